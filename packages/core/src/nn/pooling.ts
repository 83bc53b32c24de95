import {
  adaptiveAvgPool1d,
  adaptiveAvgPool3d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
} from '../ops/adaptive-pool.js';
import type { WindowOptions } from '../ops/conv-geometry.js';
import { type FractionalMaxPoolOptions, fractionalMaxPool2d, fractionalMaxPool3d } from '../ops/fractional-pool.js';
import {
  type AvgPoolOptions,
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  globalAvgPool,
  lpPool1d,
  lpPool2d,
  lpPool3d,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  maxout,
} from '../ops/pool.js';
import { maxUnpool1d, maxUnpool2d, maxUnpool3d } from '../ops/unpool.js';
import type { Shape } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, fmtValue } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { Module } from './module.js';

type KernelSize = number | readonly number[];
type MaxPoolFn = typeof maxPool1d;
type AvgPoolFn = (x: Tensor, kernelSize: KernelSize, options: AvgPoolOptions) => Tensor;

/** Options of the Lp pools (no padding or dilation, as in PyTorch). */
export type LpPoolOptions = Omit<WindowOptions, 'padding' | 'dilation'>;

/** Options of the max pooling layers. */
export interface MaxPoolLayerOptions extends WindowOptions {
  /**
   * Keep the indices of the latest forward pass (in `indices`, with the
   * input's shape in `inputShape`) for a MaxUnpool layer built on this one.
   * A layer returns one tensor, so this stands in for PyTorch's return_indices.
   */
  readonly keepIndices?: boolean;
}

abstract class MaxPoolNd extends Module {
  /** With keepIndices: the int32 indices of the latest forward's maxima, flattened per channel plane. */
  indices: Tensor | undefined;
  /** With keepIndices: the shape of the latest forward's input. */
  inputShape: Shape | undefined;

  constructor(
    private readonly fn: MaxPoolFn,
    readonly rank: 1 | 2 | 3,
    readonly kernelSize: KernelSize,
    /** The options the layer was built with (exporters read its geometry here). */
    readonly options: MaxPoolLayerOptions,
  ) {
    super();
    checkOptions(`MaxPool${rank}d`, options, ['stride', 'padding', 'dilation', 'ceilMode', 'keepIndices']);
  }

  forward(x: Tensor): Tensor {
    const { keepIndices, ...window } = this.options;
    if (!keepIndices) return this.fn(x, this.kernelSize, window);
    const [y, indices] = this.fn(x, this.kernelSize, { ...window, returnIndices: true });
    // Only the latest indices are kept, so outside tidy the earlier ones would leak.
    if (this.indices && !this.indices.isDisposed) this.indices.dispose();
    this.indices = indices;
    this.inputShape = x.shape;
    return y;
  }
}

/** Max pooling over N×C×L, as torch.nn.MaxPool1d (stride defaults to the kernel). */
export class MaxPool1d extends MaxPoolNd {
  constructor(kernelSize: KernelSize, options: MaxPoolLayerOptions = {}) {
    super(maxPool1d, 1, kernelSize, options);
  }
}

/**
 * Max pooling over N×C×H×W, as torch.nn.MaxPool2d (stride, padding,
 * dilation, ceilMode; stride defaults to the kernel).
 * @example `new MaxPool2d(2).call(randn([1, 3, 8, 8])).shape // [1, 3, 4, 4]`
 */
export class MaxPool2d extends MaxPoolNd {
  constructor(kernelSize: KernelSize, options: MaxPoolLayerOptions = {}) {
    super(maxPool2d, 2, kernelSize, options);
  }
}

/** Max pooling over N×C×D×H×W, as torch.nn.MaxPool3d. */
export class MaxPool3d extends MaxPoolNd {
  constructor(kernelSize: KernelSize, options: MaxPoolLayerOptions = {}) {
    super(maxPool3d, 3, kernelSize, options);
  }
}

type UnpoolFn = (
  x: Tensor,
  indices: Tensor,
  kernelSize: KernelSize,
  options: { stride?: number | readonly number[]; padding?: number | readonly number[]; outputSize?: Shape },
) => Tensor;

abstract class MaxUnpoolNd extends Module {
  constructor(
    private readonly fn: UnpoolFn,
    /** The pooling layer (built with keepIndices) whose latest indices and input shape this layer inverts. */
    readonly pool: MaxPoolNd,
  ) {
    super();
    const op = `MaxUnpool${pool.rank}d`;
    if (!pool.options.keepIndices)
      throw new ArgumentError(op, `needs a MaxPool${pool.rank}d built with { keepIndices: true }`);
  }

  forward(x: Tensor): Tensor {
    const { pool } = this;
    const op = `maxUnpool${pool.rank}d`;
    if (!pool.indices || !pool.inputShape)
      throw new ArgumentError(op, `its MaxPool${pool.rank}d has not run yet, so there are no indices to unpool`);
    const { stride, padding } = pool.options;
    if (Array.isArray(padding) && padding.some((p) => typeof p !== 'number' && p[0] !== p[1]))
      throw new ArgumentError(op, `cannot invert uneven pooling padding ${fmtValue(padding)}`);
    const even =
      padding === undefined || typeof padding === 'number'
        ? padding
        : (padding as readonly (number | readonly [number, number])[]).map((p) => (typeof p === 'number' ? p : p[0]));
    return this.fn(x, pool.indices, pool.kernelSize, { stride, padding: even, outputSize: pool.inputShape });
  }
}

/**
 * The inverse of a MaxPool1d built with keepIndices, as torch.nn.MaxUnpool1d:
 * its latest maxima go back where they came from, at its input's size.
 *
 * @example
 * ```ts
 * const pool = new MaxPool1d(2, { keepIndices: true });
 * const unpool = new MaxUnpool1d(pool);
 * unpool.call(pool.call(x)).shape; // x.shape
 * ```
 */
export class MaxUnpool1d extends MaxUnpoolNd {
  constructor(pool: MaxPool1d) {
    super(maxUnpool1d as UnpoolFn, pool);
  }
}

/**
 * The inverse of a MaxPool2d built with keepIndices, as torch.nn.MaxUnpool2d (SegNet's decoder).
 *
 * @example
 * ```ts
 * const pool = new MaxPool2d(2, { keepIndices: true });
 * const net = new Sequential([pool, new Conv2d(3, 3, 3, { padding: 1 }), new MaxUnpool2d(pool)]);
 * net.call(randn([1, 3, 7, 7])).shape; // [1, 3, 7, 7]
 * ```
 */
export class MaxUnpool2d extends MaxUnpoolNd {
  constructor(pool: MaxPool2d) {
    super(maxUnpool2d as UnpoolFn, pool);
  }
}

/**
 * The inverse of a MaxPool3d built with keepIndices, as torch.nn.MaxUnpool3d.
 * @example `new MaxUnpool3d(pool).call(pool.call(x)).shape // x.shape, for pool = new MaxPool3d(2, { keepIndices: true })`
 */
export class MaxUnpool3d extends MaxUnpoolNd {
  constructor(pool: MaxPool3d) {
    super(maxUnpool3d as UnpoolFn, pool);
  }
}

abstract class AvgPoolNd extends Module {
  constructor(
    private readonly fn: AvgPoolFn,
    rank: 1 | 2 | 3,
    readonly kernelSize: KernelSize,
    /** The options the layer was built with (exporters read its geometry here). */
    readonly options: AvgPoolOptions,
  ) {
    super();
    checkOptions(`AvgPool${rank}d`, options, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
  }

  forward(x: Tensor): Tensor {
    return this.fn(x, this.kernelSize, this.options);
  }
}

/** Average pooling over N×C×L, as torch.nn.AvgPool1d. */
export class AvgPool1d extends AvgPoolNd {
  constructor(kernelSize: KernelSize, options: AvgPoolOptions = {}) {
    super(avgPool1d, 1, kernelSize, options);
  }
}

/**
 * Average pooling over N×C×H×W, as torch.nn.AvgPool2d (countIncludePad
 * defaults to true, as there).
 * @example `new AvgPool2d(2).call(randn([1, 3, 8, 8])).shape // [1, 3, 4, 4]`
 */
export class AvgPool2d extends AvgPoolNd {
  constructor(kernelSize: KernelSize, options: AvgPoolOptions = {}) {
    super(avgPool2d, 2, kernelSize, options);
  }
}

/** Average pooling over N×C×D×H×W, as torch.nn.AvgPool3d. */
export class AvgPool3d extends AvgPoolNd {
  constructor(kernelSize: KernelSize, options: AvgPoolOptions = {}) {
    super(avgPool3d, 3, kernelSize, options);
  }
}

/** Power-average pooling (Σ xᵖ)^(1/p) over N×C×L, as torch.nn.LPPool1d. */
export class LpPool1d extends Module {
  constructor(
    readonly p: number,
    readonly kernelSize: KernelSize,
    /** The options the layer was built with (exporters read its geometry here). */
    readonly options: LpPoolOptions = {},
  ) {
    super();
    checkOptions('LpPool1d', options, ['stride', 'ceilMode']);
  }

  forward(x: Tensor): Tensor {
    return lpPool1d(x, this.p, this.kernelSize, this.options);
  }
}

/**
 * Power-average pooling over N×C×H×W, as torch.nn.LPPool2d.
 * @example `new LpPool2d(2, 2).call(rand([1, 1, 4, 4])).shape // [1, 1, 2, 2]`
 */
export class LpPool2d extends Module {
  constructor(
    readonly p: number,
    readonly kernelSize: KernelSize,
    /** The options the layer was built with (exporters read its geometry here). */
    readonly options: LpPoolOptions = {},
  ) {
    super();
    checkOptions('LpPool2d', options, ['stride', 'ceilMode']);
  }

  forward(x: Tensor): Tensor {
    return lpPool2d(x, this.p, this.kernelSize, this.options);
  }
}

/**
 * Power-average pooling over N×C×D×H×W, as torch.nn.LPPool3d.
 * @example `new LpPool3d(2, 2).call(rand([1, 1, 4, 4, 4])).shape // [1, 1, 2, 2, 2]`
 */
export class LpPool3d extends Module {
  constructor(
    readonly p: number,
    readonly kernelSize: KernelSize,
    /** The options the layer was built with (exporters read its geometry here). */
    readonly options: LpPoolOptions = {},
  ) {
    super();
    checkOptions('LpPool3d', options, ['stride', 'ceilMode']);
  }

  forward(x: Tensor): Tensor {
    return lpPool3d(x, this.p, this.kernelSize, this.options);
  }
}

/**
 * Average pooling to a fixed output size, as torch.nn.AdaptiveAvgPool2d.
 * @example `new AdaptiveAvgPool2d([1, 1]).call(randn([2, 512, 7, 7])).shape // [2, 512, 1, 1]`
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number, number]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

/**
 * Average pooling of N×C×L to a fixed length, as torch.nn.AdaptiveAvgPool1d.
 * @example `new AdaptiveAvgPool1d(4).call(randn([2, 8, 10])).shape // [2, 8, 4]`
 */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number | readonly [number]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
}

/**
 * Average pooling of N×C×D×H×W to a fixed size, as torch.nn.AdaptiveAvgPool3d.
 * @example `new AdaptiveAvgPool3d(1).call(randn([2, 8, 4, 7, 7])).shape // [2, 8, 1, 1, 1]`
 */
export class AdaptiveAvgPool3d extends Module {
  constructor(readonly outputSize: number | readonly [number, number, number]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool3d(x, this.outputSize);
  }
}

/**
 * Max pooling of N×C×L to a fixed length, as torch.nn.AdaptiveMaxPool1d.
 * @example `new AdaptiveMaxPool1d(4).call(randn([2, 8, 10])).shape // [2, 8, 4]`
 */
export class AdaptiveMaxPool1d extends Module {
  constructor(readonly outputSize: number | readonly [number]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveMaxPool1d(x, this.outputSize);
  }
}

/**
 * Max pooling of N×C×H×W to a fixed size, as torch.nn.AdaptiveMaxPool2d.
 * @example `new AdaptiveMaxPool2d([2, 2]).call(randn([2, 8, 7, 7])).shape // [2, 8, 2, 2]`
 */
export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number, number]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }
}

/**
 * Max pooling of N×C×D×H×W to a fixed size, as torch.nn.AdaptiveMaxPool3d.
 * @example `new AdaptiveMaxPool3d(1).call(randn([2, 8, 4, 7, 7])).shape // [2, 8, 1, 1, 1]`
 */
export class AdaptiveMaxPool3d extends Module {
  constructor(readonly outputSize: number | readonly [number, number, number]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveMaxPool3d(x, this.outputSize);
  }
}

/** Options of the fractional max pooling layers: the output's size, or its ratio to the input's. */
export type FractionalMaxPoolLayerOptions = Pick<FractionalMaxPoolOptions, 'outputSize' | 'outputRatio'>;

abstract class FractionalMaxPoolNd extends Module {
  constructor(
    private readonly fn: typeof fractionalMaxPool2d,
    rank: 2 | 3,
    readonly kernelSize: KernelSize,
    readonly options: FractionalMaxPoolLayerOptions,
  ) {
    super();
    checkOptions(`FractionalMaxPool${rank}d`, options, ['outputSize', 'outputRatio']);
  }

  /** Every call draws new window positions from the global generator, as PyTorch's layer does. */
  forward(x: Tensor): Tensor {
    return this.fn(x, this.kernelSize, this.options);
  }
}

/**
 * Fractional max pooling over N×C×H×W (Graham 2014), as torch.nn.FractionalMaxPool2d.
 * @example `new FractionalMaxPool2d(2, { outputRatio: 0.7 }).call(randn([1, 3, 10, 10])).shape // [1, 3, 7, 7]`
 */
export class FractionalMaxPool2d extends FractionalMaxPoolNd {
  constructor(kernelSize: KernelSize, options: FractionalMaxPoolLayerOptions) {
    super(fractionalMaxPool2d, 2, kernelSize, options);
  }
}

/**
 * Fractional max pooling over N×C×D×H×W, as torch.nn.FractionalMaxPool3d.
 * @example `new FractionalMaxPool3d(2, { outputSize: 5 }).call(randn([1, 2, 8, 8, 8])).shape // [1, 2, 5, 5, 5]`
 */
export class FractionalMaxPool3d extends FractionalMaxPoolNd {
  constructor(kernelSize: KernelSize, options: FractionalMaxPoolLayerOptions) {
    super(fractionalMaxPool3d, 3, kernelSize, options);
  }
}

/**
 * Mean over every spatial dim, keeping them as size 1 (N×C×1×1 for images);
 * follow it with Flatten for a classifier head.
 */
export class GlobalAvgPool extends Module {
  forward(x: Tensor): Tensor {
    return globalAvgPool(x);
  }
}

/**
 * Maxout (Goodfellow et al. 2013): groups of `pieces` consecutive channels
 * keep their maximum, so C channels become C / pieces.
 * @example `new Maxout(3).call(randn([2, 12, 5, 5])).shape // [2, 4, 5, 5]`
 */
export class Maxout extends Module {
  constructor(
    readonly pieces: number,
    readonly axis = 1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxout(x, this.pieces, this.axis);
  }
}
