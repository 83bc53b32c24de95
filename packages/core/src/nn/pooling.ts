import type { WindowOptions } from '../ops/conv-geometry.js';
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
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

type KernelSize = number | readonly number[];
type MaxPoolFn = (x: Tensor, kernelSize: KernelSize, options: WindowOptions) => Tensor;
type AvgPoolFn = (x: Tensor, kernelSize: KernelSize, options: AvgPoolOptions) => Tensor;

/** Options of the Lp pools (no padding or dilation, as in PyTorch). */
export type LpPoolOptions = Omit<WindowOptions, 'padding' | 'dilation'>;

abstract class MaxPoolNd extends Module {
  constructor(
    private readonly fn: MaxPoolFn,
    readonly kernelSize: KernelSize,
    /** The options the layer was built with (exporters read its geometry here). */
    readonly options: WindowOptions,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.fn(x, this.kernelSize, this.options);
  }
}

/** Max pooling over N×C×L, as torch.nn.MaxPool1d (stride defaults to the kernel). */
export class MaxPool1d extends MaxPoolNd {
  constructor(kernelSize: KernelSize, options: WindowOptions = {}) {
    super(maxPool1d, kernelSize, options);
  }
}

/**
 * Max pooling over N×C×H×W, as torch.nn.MaxPool2d (stride, padding,
 * dilation, ceilMode; stride defaults to the kernel).
 * @example `new MaxPool2d(2).call(randn([1, 3, 8, 8])).shape // [1, 3, 4, 4]`
 */
export class MaxPool2d extends MaxPoolNd {
  constructor(kernelSize: KernelSize, options: WindowOptions = {}) {
    super(maxPool2d, kernelSize, options);
  }
}

/** Max pooling over N×C×D×H×W, as torch.nn.MaxPool3d. */
export class MaxPool3d extends MaxPoolNd {
  constructor(kernelSize: KernelSize, options: WindowOptions = {}) {
    super(maxPool3d, kernelSize, options);
  }
}

abstract class AvgPoolNd extends Module {
  constructor(
    private readonly fn: AvgPoolFn,
    readonly kernelSize: KernelSize,
    /** The options the layer was built with (exporters read its geometry here). */
    readonly options: AvgPoolOptions,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.fn(x, this.kernelSize, this.options);
  }
}

/** Average pooling over N×C×L, as torch.nn.AvgPool1d. */
export class AvgPool1d extends AvgPoolNd {
  constructor(kernelSize: KernelSize, options: AvgPoolOptions = {}) {
    super(avgPool1d, kernelSize, options);
  }
}

/**
 * Average pooling over N×C×H×W, as torch.nn.AvgPool2d (countIncludePad
 * defaults to true, as there).
 * @example `new AvgPool2d(2).call(randn([1, 3, 8, 8])).shape // [1, 3, 4, 4]`
 */
export class AvgPool2d extends AvgPoolNd {
  constructor(kernelSize: KernelSize, options: AvgPoolOptions = {}) {
    super(avgPool2d, kernelSize, options);
  }
}

/** Average pooling over N×C×D×H×W, as torch.nn.AvgPool3d. */
export class AvgPool3d extends AvgPoolNd {
  constructor(kernelSize: KernelSize, options: AvgPoolOptions = {}) {
    super(avgPool3d, kernelSize, options);
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
