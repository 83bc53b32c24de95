/**
 * Parameter initializers, as torch.nn.init, drawing from core's seeded
 * `globalRandom` (the same seed gives the same weights on every backend).
 * Each returns a new tensor of the given shape.
 *
 * @example
 * ```ts
 * import { init } from '@gradstream/core/nn';
 * const w = init.kaimingNormal([64, 3, 3, 3], { nonlinearity: 'relu' });
 * ```
 */
import type { Shape } from '../backend/types.js';
import { sizeOf } from '../tensor/shape.js';
import { full, randn, uniform as uniformTensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, fmtShape } from '../util/errors.js';
import type { FloatDType } from './module.js';
import { checkOptions } from '../util/options.js';

/** Nonlinearities whose recommended gain `calculateGain` knows (torch.nn.init.calculate_gain). */
export type Nonlinearity = 'linear' | 'conv' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/**
 * The gain torch.nn.init recommends for a nonlinearity; `param` is the
 * negative slope of leakyRelu (default 0.01).
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
      return Math.sqrt(2 / (1 + (param ?? 0.01) ** 2));
    case 'selu':
      return 3 / 4;
  }
}

/**
 * fan_in and fan_out of a weight as PyTorch computes them: dims 1 and 0,
 * times the receptive field (the product of the remaining dims).
 */
export function fanInAndFanOut(shape: Shape): { readonly fanIn: number; readonly fanOut: number } {
  if (shape.length < 2) throw new ArgumentError('fanInAndFanOut', `needs a weight of rank ≥ 2, got ${fmtShape(shape)}`);
  const receptive = sizeOf(shape.slice(2));
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** Options of the Kaiming (He) initializers. */
export interface KaimingOptions {
  /** Negative slope of the rectifier that follows (torch's `a`). */
  readonly a?: number;
  /** Preserve the variance of activations ('fanIn', default) or of gradients ('fanOut'). */
  readonly mode?: 'fanIn' | 'fanOut';
  readonly nonlinearity?: Nonlinearity;
  readonly dtype?: FloatDType;
}

function kaimingStd(op: string, shape: Shape, o: KaimingOptions): number {
  const { fanIn, fanOut } = fanInAndFanOut(shape);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) throw new ArgumentError(op, `cannot initialize a weight with a zero-sized fan: ${fmtShape(shape)}`);
  return calculateGain(o.nonlinearity ?? 'leakyRelu', o.a ?? 0) / Math.sqrt(fan);
}

/** He uniform: U(−b, b) with b = gain·√(3/fan), as torch.nn.init.kaiming_uniform_. */
const KAIMING_OPTIONS = ['a', 'mode', 'nonlinearity', 'dtype'] as const;

export function kaimingUniform(shape: Shape, options: KaimingOptions = {}): Tensor {
  checkOptions('kaimingUniform', options, KAIMING_OPTIONS);
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform', shape, options);
  return uniformTensor(shape, -bound, bound, options.dtype);
}

/** He normal: N(0, gain²/fan), as torch.nn.init.kaiming_normal_. */
export function kaimingNormal(shape: Shape, options: KaimingOptions = {}): Tensor {
  checkOptions('kaimingNormal', options, KAIMING_OPTIONS);
  return randn(shape, 0, kaimingStd('kaimingNormal', shape, options), options.dtype);
}

/** Options of the Xavier (Glorot) initializers. */
export interface XavierOptions {
  readonly gain?: number;
  readonly dtype?: FloatDType;
}

function xavierStd(shape: Shape, gain: number): number {
  const { fanIn, fanOut } = fanInAndFanOut(shape);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** Glorot uniform: U(−b, b) with b = gain·√(6/(fan_in + fan_out)). */
export function xavierUniform(shape: Shape, options: XavierOptions = {}): Tensor {
  checkOptions('xavierUniform', options, ['gain', 'dtype']);
  const bound = Math.sqrt(3) * xavierStd(shape, options.gain ?? 1);
  return uniformTensor(shape, -bound, bound, options.dtype);
}

/** Glorot normal: N(0, gain²·2/(fan_in + fan_out)). */
export function xavierNormal(shape: Shape, options: XavierOptions = {}): Tensor {
  checkOptions('xavierNormal', options, ['gain', 'dtype']);
  return randn(shape, 0, xavierStd(shape, options.gain ?? 1), options.dtype);
}

/** Keras' name for `xavierUniform`. */
export const glorotUniform = xavierUniform;
/** Keras' name for `xavierNormal`. */
export const glorotNormal = xavierNormal;

/** U(low, high). */
export function uniform(shape: Shape, low = 0, high = 1, dtype: FloatDType = 'float32'): Tensor {
  return uniformTensor(shape, low, high, dtype);
}

/** N(mean, std²). */
export function normal(shape: Shape, mean = 0, std = 1, dtype: FloatDType = 'float32'): Tensor {
  return randn(shape, mean, std, dtype);
}

/** All zeros. */
export function zeros(shape: Shape, dtype: FloatDType = 'float32'): Tensor {
  return full(shape, 0, dtype);
}

/** All ones. */
export function ones(shape: Shape, dtype: FloatDType = 'float32'): Tensor {
  return full(shape, 1, dtype);
}

/**
 * Overwrites a parameter in place with `values` (same shape and dtype;
 * `values` is consumed), as torch.nn.init's in-place functions do: the module
 * and any optimizer built on it keep holding the same tensor object. This is
 * how a model re-initializes layers after building them.
 *
 * @example
 * ```ts
 * const conv = new Conv2d(3, 64, 3);
 * assignParameter(conv.weight, kaimingNormal(conv.weight.shape, { mode: 'fanOut', nonlinearity: 'relu' }));
 * ```
 */
export function assignParameter(param: Tensor, values: Tensor): void {
  param.adopt(values);
}

/**
 * PyTorch's default for Linear and Conv weights and biases:
 * kaiming_uniform with a = √5, which is U(−1/√fan_in, 1/√fan_in).
 */
export function defaultUniform(shape: Shape, fanIn: number, dtype: FloatDType = 'float32'): Tensor {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniformTensor(shape, -bound, bound, dtype);
}
