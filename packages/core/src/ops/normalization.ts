// Normalization layers' functional forms, as torch.nn.functional: batch,
// instance, layer and group normalization and local response normalization,
// composed of elementwise ops and reductions so every backend runs them and
// their gradients of any order come from the tape (batch norm runs a
// backend's fused kernels where it has them: fused-batch-norm.ts).
import type { Shape } from '../backend/types.js';
import { freeOnThrow, tidy } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { add, cast, div, isFloat, mul, neg, pow, rsqrt, square, sub } from './elementwise.js';
import {
  fusedBatchNormInference,
  fusedBatchNormTraining,
  fusesBatchNorm,
  fusesBatchNormInference,
} from './fused-batch-norm.js';
import { noGrad } from './gradient-control.js';
import { pad, reshape, slice } from './layout.js';
import { mean } from './reduce.js';

function assertFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new DTypeError(op, `expects a float input, got ${x.describe()}`);
}

function assertVector(op: string, name: string, t: Tensor | undefined, length: number): void {
  if (t && (t.rank !== 1 || t.shape[0] !== length))
    throw new ShapeError(op, `${name} must have shape [${length}], got ${fmtShape(t.shape)}`);
}

/** (x − mean)/√(var + eps) over `axes`, with the biased variance, as every torch normalization trains with. */
function standardize(x: Tensor, axes: readonly number[], eps: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  const mu = mean(x, axes, { keepDims: true });
  const centered = sub(x, mu);
  const variance = mean(square(centered), axes, { keepDims: true });
  return { y: mul(centered, rsqrt(add(variance, eps))), mean: mu, variance };
}

function affine(y: Tensor, weight: Tensor | undefined, bias: Tensor | undefined, shape: Shape): Tensor {
  let out = y;
  if (weight) out = mul(out, reshape(weight, shape));
  if (bias) out = add(out, reshape(bias, shape));
  return out;
}

/**
 * rm ← (1 − m)·rm + m·mean, rv ← (1 − m)·rv + m·unbiased variance, in place
 * and off the tape, as torch's running statistics (`batchMean` and
 * `batchVar` are per-channel vectors; `n` the values each was taken over).
 */
function updateRunning(rm: Tensor, rv: Tensor, batchMean: Tensor, batchVar: Tensor, n: number, m: number): void {
  noGrad(() =>
    tidy(() => {
      const mu = cast(batchMean, rm.dtype);
      const unbiased = cast(mul(batchVar, n / (n - 1)), rv.dtype);
      rm.adopt(add(mul(rm, 1 - m), mul(mu, m)));
      rv.adopt(add(mul(rv, 1 - m), mul(unbiased, m)));
    }),
  );
}

/** The per-channel arguments batchNorm and instanceNorm share, each a vector of the c channels. */
interface PerChannelOptions {
  readonly runningMean?: Tensor;
  readonly runningVar?: Tensor;
  readonly weight?: Tensor;
  readonly bias?: Tensor;
}

function checkPerChannel(op: string, o: PerChannelOptions, c: number, momentum: number, eps: number): void {
  const { runningMean: rm, runningVar: rv } = o;
  if ((rm === undefined) !== (rv === undefined))
    throw new ArgumentError(op, 'runningMean and runningVar go together: pass both or neither');
  assertVector(op, 'runningMean', rm, c);
  assertVector(op, 'runningVar', rv, c);
  assertVector(op, 'weight', o.weight, c);
  assertVector(op, 'bias', o.bias, c);
  if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentError(op, `momentum must be in [0, 1], got ${momentum}`);
  if (!(eps >= 0)) throw new ArgumentError(op, `eps must be ≥ 0, got ${eps}`);
}

/**
 * x·scale + shift, for per-channel (broadcastable) scale and optional shift:
 * the only two passes over the whole tensor a normalization needs once its
 * per-channel factors are folded together.
 */
function scaleShift(x: Tensor, scale: Tensor, shift: Tensor | undefined): Tensor {
  const y = mul(x, scale);
  return shift ? add(y, shift) : y;
}

/** The per-channel factor of a normalization: rsqrt(variance + eps), times the weight when there is one. */
function channelScale(variance: Tensor, eps: number, weight: Tensor | undefined, shape: Shape): Tensor {
  const r = rsqrt(add(variance, eps));
  return weight ? mul(r, reshape(weight, shape)) : r;
}

/**
 * x normalized by the running statistics instead of its own, then scaled and
 * shifted, as x·s + (bias − mean·s) with s = weight/√(var + eps) per channel
 * (as PyTorch's CPU inference computes it): two passes over x instead of four.
 */
function normalizeByRunning(
  x: Tensor,
  rm: Tensor,
  rv: Tensor,
  o: PerChannelOptions,
  eps: number,
  shape: Shape,
): Tensor {
  const s = channelScale(reshape(rv, shape), eps, o.weight, shape);
  const meanTimesScale = mul(reshape(rm, shape), s);
  const shift = o.bias ? sub(reshape(o.bias, shape), meanTimesScale) : neg(meanTimesScale);
  return scaleShift(x, s, shift);
}

/** Options of batchNorm, with PyTorch's defaults. */
export interface BatchNormFnOptions {
  /** Per-channel running mean, updated in place in training; used for normalizing otherwise. */
  readonly runningMean?: Tensor;
  /** Per-channel running (unbiased) variance, updated with runningMean. */
  readonly runningVar?: Tensor;
  /** Per-channel scale. */
  readonly weight?: Tensor;
  /** Per-channel shift. */
  readonly bias?: Tensor;
  /** Normalize with the batch's statistics and update the running ones (default false, as torch). */
  readonly training?: boolean;
  /** Weight of the batch in the running averages (default 0.1). */
  readonly momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
}

const BATCH_NORM_OPTIONS = ['runningMean', 'runningVar', 'weight', 'bias', 'training', 'momentum', 'eps'] as const;

/**
 * Batch normalization of N×C×… input over every axis but the channel axis
 * 1, as torch.nn.functional.batch_norm: in training (or without running
 * statistics) with the batch's mean and biased variance, folding the mean
 * and the unbiased variance into `runningMean`/`runningVar` in place;
 * otherwise with the running statistics.
 *
 * @example
 * ```ts
 * const rm = zeros([16]), rv = ones([16]);
 * const y = batchNorm(x, { runningMean: rm, runningVar: rv, training: true }); // rm, rv now hold the update
 * ```
 */
export const batchNorm = freeOnThrow(function batchNorm(x: Tensor, options?: BatchNormFnOptions): Tensor {
  const op = 'batchNorm';
  const o = checkOptions(op, options, BATCH_NORM_OPTIONS);
  const { runningMean: rm, runningVar: rv, weight, bias, momentum = 0.1, eps = 1e-5 } = o;
  assertFloat(op, x);
  if (x.rank < 2) throw new ShapeError(op, `expects N×C×… input, got ${fmtShape(x.shape)}`);
  const c = x.shape[1]!;
  checkPerChannel(op, o, c, momentum, eps);
  const shape = [c, ...new Array<number>(x.rank - 2).fill(1)];
  const useBatch = (o.training ?? false) || rm === undefined;
  if (!useBatch && rm && rv)
    return fusesBatchNormInference(x, [rm, rv, weight, bias])
      ? fusedBatchNormInference(x, rm, rv, weight, bias, eps)
      : normalizeByRunning(x, rm, rv, o, eps, shape);
  const n = x.size / c;
  if (n < 2) throw new ShapeError(op, `needs more than one value per channel in training, got ${fmtShape(x.shape)}`);
  const composed = (xi: Tensor, w: Tensor | undefined, b: Tensor | undefined) => normalizeByBatch(xi, shape, w, b, eps);
  if (!fusesBatchNorm(x, weight, bias)) {
    const r = composed(x, weight, bias);
    if (o.training && rm && rv) updateRunning(rm, rv, reshape(r.mean, [c]), reshape(r.variance, [c]), n, momentum);
    return r.y;
  }
  const r = fusedBatchNormTraining(x, weight, bias, eps, (xi, w, b) => composed(xi, w, b).y);
  try {
    if (o.training && rm && rv) updateRunning(rm, rv, r.mean, r.variance, n, momentum);
  } finally {
    r.mean.disposeWhenFree();
    r.variance.disposeWhenFree();
  }
  return r.y;
});

/**
 * Batch normalization of x with its own statistics over every axis but 1,
 * composed of ops: as standardize then affine, with the weight folded into
 * the per-channel factor first (one pass over x, and over its gradient, fewer).
 */
function normalizeByBatch(
  x: Tensor,
  shape: Shape,
  weight: Tensor | undefined,
  bias: Tensor | undefined,
  eps: number,
): { y: Tensor; mean: Tensor; variance: Tensor } {
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const mu = mean(x, axes, { keepDims: true });
  const centered = sub(x, mu);
  const variance = mean(square(centered), axes, { keepDims: true });
  return {
    y: scaleShift(centered, channelScale(variance, eps, weight, shape), bias && reshape(bias, shape)),
    mean: mu,
    variance,
  };
}

/** Options of instanceNorm, with PyTorch's defaults. */
export interface InstanceNormFnOptions {
  /** Per-channel running mean: updated in place when `useInputStats`, used for normalizing otherwise. */
  readonly runningMean?: Tensor;
  /** Per-channel running (unbiased) variance, updated with runningMean. */
  readonly runningVar?: Tensor;
  /** Per-channel scale. */
  readonly weight?: Tensor;
  /** Per-channel shift. */
  readonly bias?: Tensor;
  /** Normalize each sample's channel by its own statistics (default true); false uses the running ones. */
  readonly useInputStats?: boolean;
  /** Weight of the batch in the running averages (default 0.1). */
  readonly momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
}

const INSTANCE_NORM_OPTIONS = [
  'runningMean',
  'runningVar',
  'weight',
  'bias',
  'useInputStats',
  'momentum',
  'eps',
] as const;

/**
 * Instance normalization of N×C×… input: each sample's channel over its
 * spatial axes, as torch.nn.functional.instance_norm. With running
 * statistics and `useInputStats`, they move toward the mean over the batch
 * of the instances' means and unbiased variances, as torch does.
 *
 * @example
 * ```ts
 * const y = instanceNorm(randn([2, 3, 8, 8])); // every [n, c] plane has mean 0 and variance ≈ 1
 * ```
 */
export const instanceNorm = freeOnThrow(function instanceNorm(x: Tensor, options?: InstanceNormFnOptions): Tensor {
  const op = 'instanceNorm';
  const o = checkOptions(op, options, INSTANCE_NORM_OPTIONS);
  const { runningMean: rm, runningVar: rv, weight, bias, momentum = 0.1, eps = 1e-5 } = o;
  assertFloat(op, x);
  if (x.rank < 3) throw new ShapeError(op, `expects N×C×spatial… input, got ${fmtShape(x.shape)}`);
  const c = x.shape[1]!;
  checkPerChannel(op, o, c, momentum, eps);
  const shape = [c, ...new Array<number>(x.rank - 2).fill(1)];
  if (!(o.useInputStats ?? true)) {
    if (!rm || !rv) throw new ArgumentError(op, 'useInputStats: false needs runningMean and runningVar');
    return normalizeByRunning(x, rm, rv, o, eps, shape);
  }
  const n = x.size / (x.shape[0]! * c);
  if (n < 2) throw new ShapeError(op, `needs more than one spatial value per channel, got ${fmtShape(x.shape)}`);
  const s = standardize(x, x.shape.map((_, i) => i).slice(2), eps);
  if (rm && rv) {
    const batchMean = (t: Tensor): Tensor => mean(reshape(t, [x.shape[0]!, c]), 0);
    updateRunning(rm, rv, batchMean(s.mean), batchMean(s.variance), n, momentum);
  }
  return affine(s.y, weight, bias, shape);
});

/** Options of layerNorm, with PyTorch's defaults. */
export interface LayerNormFnOptions {
  /** Scale of shape normalizedShape. */
  readonly weight?: Tensor;
  /** Shift of shape normalizedShape. */
  readonly bias?: Tensor;
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
}

/**
 * Layer normalization over the trailing axes `normalizedShape`, as
 * torch.nn.functional.layer_norm: each slice gets mean 0 and biased
 * variance 1, then the elementwise weight and bias.
 *
 * @example
 * ```ts
 * layerNorm(randn([4, 10, 32]), [32]); // each of the 4×10 vectors normalized
 * ```
 */
export const layerNorm = freeOnThrow(function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  options?: LayerNormFnOptions,
): Tensor {
  const op = 'layerNorm';
  const { weight, bias, eps = 1e-5 } = checkOptions(op, options, ['weight', 'bias', 'eps']);
  assertFloat(op, x);
  const dims = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const k = dims.length;
  if (k === 0 || k > x.rank || dims.some((d, i) => d !== x.shape[x.rank - k + i]))
    throw new ShapeError(
      op,
      `normalizedShape ${fmtShape(dims)} must be the trailing axes of the input, got ${fmtShape(x.shape)}`,
    );
  for (const [name, t] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (t && (t.rank !== k || t.shape.some((d, i) => d !== dims[i])))
      throw new ShapeError(op, `${name} must have shape ${fmtShape(dims)}, got ${fmtShape(t.shape)}`);
  }
  if (!(eps >= 0)) throw new ArgumentError(op, `eps must be ≥ 0, got ${eps}`);
  const axes = x.shape.map((_, i) => i).slice(x.rank - k);
  return affine(standardize(x, axes, eps).y, weight, bias, dims);
});

/** Options of groupNorm, with PyTorch's defaults. */
export interface GroupNormFnOptions {
  /** Per-channel scale. */
  readonly weight?: Tensor;
  /** Per-channel shift. */
  readonly bias?: Tensor;
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
}

/**
 * Group normalization of N×C×… input: the channels split into `numGroups`
 * consecutive groups, each sample's group normalized over its channels and
 * spatial axes, then the per-channel weight and bias, as
 * torch.nn.functional.group_norm.
 *
 * @example
 * ```ts
 * groupNorm(randn([2, 32, 8, 8]), 8, { weight, bias });
 * ```
 */
export const groupNorm = freeOnThrow(function groupNorm(
  x: Tensor,
  numGroups: number,
  options?: GroupNormFnOptions,
): Tensor {
  const op = 'groupNorm';
  const { weight, bias, eps = 1e-5 } = checkOptions(op, options, ['weight', 'bias', 'eps']);
  assertFloat(op, x);
  if (x.rank < 2) throw new ShapeError(op, `expects N×C×… input, got ${fmtShape(x.shape)}`);
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0)
    throw new ArgumentError(op, `numGroups must be a positive integer dividing the ${c} channels, got ${numGroups}`);
  assertVector(op, 'weight', weight, c);
  assertVector(op, 'bias', bias, c);
  if (!(eps >= 0)) throw new ArgumentError(op, `eps must be ≥ 0, got ${eps}`);
  const grouped = reshape(x, [n, numGroups, x.size / (n * numGroups)]);
  const y = reshape(standardize(grouped, [2], eps).y, x.shape);
  return affine(y, weight, bias, [c, ...new Array<number>(x.rank - 2).fill(1)]);
});

/** Options of localResponseNorm, with PyTorch's defaults. */
export interface LocalResponseNormOptions {
  /** Scale of the mean of squares (default 1e-4). */
  readonly alpha?: number;
  /** Exponent (default 0.75). */
  readonly beta?: number;
  /** Additive constant (default 1). */
  readonly k?: number;
}

/**
 * Local response normalization across channels, as
 * torch.nn.functional.local_response_norm and the original AlexNet:
 * yᶜ = xᶜ / (k + α/size · Σ x²)^β, the sum over the `size` channels
 * c − ⌊size/2⌋ … c + ⌊(size − 1)/2⌋ (zero beyond the edges).
 *
 * @example
 * ```ts
 * localResponseNorm(features, 5, { alpha: 1e-4, beta: 0.75, k: 2 }); // AlexNet's
 * ```
 */
export const localResponseNorm = freeOnThrow(function localResponseNorm(
  x: Tensor,
  size: number,
  options?: LocalResponseNormOptions,
): Tensor {
  const op = 'localResponseNorm';
  const { alpha = 1e-4, beta = 0.75, k = 1 } = checkOptions(op, options, ['alpha', 'beta', 'k']);
  assertFloat(op, x);
  if (x.rank < 3) throw new ShapeError(op, `expects N×C×spatial… input (3-D or more), got ${fmtShape(x.shape)}`);
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(op, `size must be a positive integer, got ${size}`);
  const c = x.shape[1]!;
  const padded = pad(
    square(x),
    x.shape.map((_, i): [number, number] => (i === 1 ? [Math.floor(size / 2), Math.floor((size - 1) / 2)] : [0, 0])),
  );
  // The window sum as `size` shifted slices: the sizes AlexNet-era nets use are small.
  let windowSum: Tensor | undefined;
  for (let j = 0; j < size; j++) {
    const begin = x.shape.map((_, i) => (i === 1 ? j : 0));
    const part = slice(
      padded,
      begin,
      x.shape.map((d, i) => (i === 1 ? c : d)),
    );
    windowSum = windowSum ? add(windowSum, part) : part;
  }
  return div(x, pow(add(mul(windowSum!, alpha / size), k), beta));
});
