import { locallyConnected2d, tiledConv2d } from '../ops/local-conv.js';
import { convOutputSize } from '../ops/conv-geometry.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, fmtValue } from '../util/errors.js';
import { defaultUniform } from './init.js';
import { type FloatDType, Module } from './module.js';
import { checkOptions } from '../util/options.js';

function pair(op: string, name: string, v: number | readonly number[] | undefined, fallback: number): [number, number] {
  const p = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2) throw new ArgumentError(op, `${name} needs 2 entries, got ${fmtValue(v)}`);
  return [p[0]!, p[1]!];
}

/** Options of LocallyConnected2d. */
export interface LocallyConnected2dOptions {
  readonly stride?: number | readonly [number, number];
  readonly padding?: number | readonly [number, number];
  readonly dilation?: number | readonly [number, number];
  /** Learn an unshared bias [out, outH, outW] (default true), as Keras' LocallyConnected2D. */
  readonly bias?: boolean;
  readonly dtype?: FloatDType;
}

/**
 * Unshared convolution: every output position has its own kernel
 * (Goodfellow et al. §9.5). The input size must be known up front because
 * the weight has one kernel per output position: [outH·outW, out, in·kH·kW].
 * Initialized like Conv2d, U(−1/√(in·kH·kW), 1/√(in·kH·kW)).
 *
 * @example
 * ```ts
 * const lc = new LocallyConnected2d(1, 2, [6, 6], 3);
 * lc.call(randn([1, 1, 6, 6])).shape; // [1, 2, 4, 4]
 * ```
 */
export class LocallyConnected2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;
  private readonly kernel: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    inputSize: readonly [number, number],
    kernelSize: number | readonly [number, number],
    private readonly options: LocallyConnected2dOptions = {},
  ) {
    super();
    const op = 'LocallyConnected2d';
    this.kernel = pair(op, 'kernelSize', kernelSize, 1);
    checkOptions(op, options, ['stride', 'padding', 'dilation', 'bias', 'dtype']);
    const stride = pair(op, 'stride', options.stride, 1);
    const padding = pair(op, 'padding', options.padding, 0);
    const dilation = pair(op, 'dilation', options.dilation, 1);
    const out = inputSize.map((n, i) => convOutputSize(n, this.kernel[i]!, stride[i]!, padding[i]!, dilation[i]!, op));
    const fanIn = inChannels * this.kernel[0] * this.kernel[1];
    const dtype = options.dtype ?? 'float32';
    this.weight = this.addParameter('weight', defaultUniform([out[0]! * out[1]!, outChannels, fanIn], fanIn, dtype));
    this.bias =
      (options.bias ?? true)
        ? this.addParameter('bias', defaultUniform([outChannels, out[0]!, out[1]!], fanIn, dtype))
        : undefined;
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, dilation } = this.options;
    return locallyConnected2d(x, this.weight, this.kernel, { stride, padding, dilation, bias: this.bias });
  }
}

/** Options of TiledConv2d. */
export interface TiledConv2dOptions {
  /** Number of kernels cycled along each output axis (t, or [tH, tW]). */
  readonly tiles: number | readonly [number, number];
  readonly stride?: number | readonly [number, number];
  readonly padding?: number | readonly [number, number];
  readonly dilation?: number | readonly [number, number];
  /** Learn a per-channel bias [out] (default true). */
  readonly bias?: boolean;
  readonly dtype?: FloatDType;
}

/**
 * Tiled convolution (Goodfellow et al. §9.5): tH×tW kernels cycled over the
 * output positions. Weight [tH, tW, out, in, kH, kW], initialized like Conv2d.
 *
 * @example
 * ```ts
 * new TiledConv2d(1, 4, 3, { tiles: 2 }).call(randn([1, 1, 8, 8])).shape; // [1, 4, 6, 6]
 * ```
 */
export class TiledConv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly [number, number],
    private readonly options: TiledConv2dOptions,
  ) {
    super();
    const op = 'TiledConv2d';
    const [kh, kw] = pair(op, 'kernelSize', kernelSize, 1);
    checkOptions(op, options, ['tiles', 'stride', 'padding', 'dilation', 'bias', 'dtype']);
    const [th, tw] = pair(op, 'tiles', options.tiles, 1);
    const fanIn = inChannels * kh * kw;
    const dtype = options.dtype ?? 'float32';
    this.weight = this.addParameter('weight', defaultUniform([th, tw, outChannels, inChannels, kh, kw], fanIn, dtype));
    this.bias =
      (options.bias ?? true) ? this.addParameter('bias', defaultUniform([outChannels], fanIn, dtype)) : undefined;
  }

  forward(x: Tensor): Tensor {
    const { tiles, stride, padding, dilation } = this.options;
    return tiledConv2d(x, this.weight, { tiles, stride, padding, dilation, bias: this.bias });
  }
}
