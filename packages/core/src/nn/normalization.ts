import { add } from '../ops/elementwise.js';
import { noGrad } from '../ops/gradient-control.js';
import { expandDims, squeeze } from '../ops/layout.js';
import { batchNorm, instanceNorm } from '../ops/normalization.js';
import { full } from '../tensor/creation.js';
import { tidy } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, fmtShape } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { type FloatDType, Module } from './module.js';
import { assertPositiveIntegers } from './arguments.js';

/** Options of BatchNorm1d/2d, with PyTorch's defaults. */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
  /** Weight of the new batch in the running averages (default 0.1); null averages all batches equally. */
  readonly momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  readonly affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them eval also uses batch statistics. */
  readonly trackRunningStats?: boolean;
  readonly dtype?: FloatDType;
}

const BATCH_NORM_OPTIONS = ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'] as const;

/**
 * The per-channel state batch and instance normalization share: an optional
 * affine weight and bias, and optional running statistics, registered under
 * torch's names and in torch's order so state dicts interchange key for key.
 */
abstract class ChannelNormNd extends Module {
  readonly weight: Tensor | undefined;
  readonly bias: Tensor | undefined;
  readonly runningMean: Tensor | undefined;
  readonly runningVar: Tensor | undefined;
  readonly numBatchesTracked: Tensor | undefined;

  constructor(
    readonly numFeatures: number,
    dtype: FloatDType | undefined,
    affine: boolean,
    trackRunningStats: boolean,
  ) {
    super();
    const d = dtype ?? 'float32';
    if (affine) {
      this.weight = this.addParameter('weight', full([numFeatures], 1, d));
      this.bias = this.addParameter('bias', full([numFeatures], 0, d));
    }
    if (trackRunningStats) {
      this.runningMean = this.addBuffer('running_mean', full([numFeatures], 0, d));
      this.runningVar = this.addBuffer('running_var', full([numFeatures], 1, d));
      this.numBatchesTracked = this.addBuffer('num_batches_tracked', full([], 0, 'int32'));
    }
  }
}

/**
 * Batch normalization over every axis but the channel axis 1. Training
 * normalizes with the batch's biased variance and folds the unbiased one
 * into running_var; eval uses the running statistics. Buffers are torch's
 * running_mean, running_var and num_batches_tracked — the last is int32
 * here (torch stores int64), which its values never outgrow in practice.
 */
abstract class BatchNormNd extends ChannelNormNd {
  readonly eps: number;
  readonly momentum: number | null;

  constructor(
    private readonly ranks: readonly number[],
    numFeatures: number,
    options: BatchNormOptions | undefined,
  ) {
    const o = checkOptions(new.target.name, options, BATCH_NORM_OPTIONS);
    assertPositiveIntegers(new.target.name, { numFeatures });
    super(numFeatures, o.dtype, o.affine ?? true, o.trackRunningStats ?? true);
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
  }

  forward(x: Tensor): Tensor {
    const op = this.constructor.name;
    if (!this.ranks.includes(x.rank) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        op,
        `expects ${this.ranks.map((r) => `${r}-D`).join(' or ')} input with ${this.numFeatures} channels on axis 1, got ${fmtShape(x.shape)}`,
      );
    }
    const count = this.numBatchesTracked;
    const counting = this.training && count !== undefined;
    // momentum null averages all batches equally: the batch being added is number count + 1.
    const momentum = this.momentum ?? (counting ? 1 / (count.item() + 1) : 0);
    const y = batchNorm(x, {
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      weight: this.weight,
      bias: this.bias,
      training: this.training || !this.runningMean,
      momentum,
      eps: this.eps,
    });
    if (counting) noGrad(() => count.adopt(tidy(() => add(count, 1))));
    return y;
  }
}

/**
 * Batch normalization of N×C or N×C×L input, as torch.nn.BatchNorm1d.
 * @example `new BatchNorm1d(16).call(randn([8, 16])).shape // [8, 16]`
 */
export class BatchNorm1d extends BatchNormNd {
  constructor(numFeatures: number, options?: BatchNormOptions) {
    super([2, 3], numFeatures, options);
  }
}

/**
 * Batch normalization of N×C×H×W input, as torch.nn.BatchNorm2d.
 *
 * @example
 * ```ts
 * const bn = new BatchNorm2d(16);
 * bn.call(randn([8, 16, 4, 4]));       // normalizes with batch statistics, updates running ones
 * bn.eval().call(randn([1, 16, 4, 4])); // uses running_mean / running_var
 * ```
 */
export class BatchNorm2d extends BatchNormNd {
  constructor(numFeatures: number, options?: BatchNormOptions) {
    super([4], numFeatures, options);
  }
}

/**
 * Batch normalization of N×C×D×H×W input, as torch.nn.BatchNorm3d.
 * @example `new BatchNorm3d(8).call(randn([2, 8, 4, 4, 4])).shape // [2, 8, 4, 4, 4]`
 */
export class BatchNorm3d extends BatchNormNd {
  constructor(numFeatures: number, options?: BatchNormOptions) {
    super([5], numFeatures, options);
  }
}

/** Options of InstanceNorm1d/2d/3d, with PyTorch's defaults. */
export interface InstanceNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
  /** Weight of the new batch in the running averages (default 0.1). */
  readonly momentum?: number;
  /** Learn a per-channel scale and shift (default false, unlike BatchNorm). */
  readonly affine?: boolean;
  /** Keep running statistics and normalize with them in eval (default false, unlike BatchNorm). */
  readonly trackRunningStats?: boolean;
  readonly dtype?: FloatDType;
}

const INSTANCE_NORM_OPTIONS = ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'] as const;

/**
 * Instance normalization: each sample's channel over its own spatial axes.
 * With trackRunningStats, training moves running_mean/running_var toward
 * the batch's average instance statistics and eval normalizes with them.
 * Torch registers num_batches_tracked here too but never advances it; so
 * does this class, so state dicts interchange key for key. Unlike torch,
 * which only warns when affine is off, an input whose channel count is not
 * numFeatures is refused.
 */
abstract class InstanceNormNd extends ChannelNormNd {
  readonly eps: number;
  readonly momentum: number;

  constructor(
    /** Spatial axes of a sample: 1, 2 or 3. */
    readonly spatialRank: number,
    numFeatures: number,
    options: InstanceNormOptions | undefined,
  ) {
    const where = new.target.name;
    const o = checkOptions(where, options, INSTANCE_NORM_OPTIONS);
    assertPositiveIntegers(where, { numFeatures });
    const momentum = o.momentum ?? 0.1;
    if (!(momentum >= 0 && momentum <= 1))
      throw new ArgumentError(where, `momentum must be in [0, 1], got ${momentum}`);
    super(numFeatures, o.dtype, o.affine ?? false, o.trackRunningStats ?? false);
    this.eps = o.eps ?? 1e-5;
    this.momentum = momentum;
  }

  forward(x: Tensor): Tensor {
    const batched = x.rank === this.spatialRank + 2;
    if ((!batched && x.rank !== this.spatialRank + 1) || x.shape[batched ? 1 : 0] !== this.numFeatures) {
      throw new ShapeError(
        this.constructor.name,
        `expects N×C×${this.spatialRank}-D or unbatched C×${this.spatialRank}-D input with C = ${this.numFeatures}, got ${fmtShape(x.shape)}`,
      );
    }
    const y = instanceNorm(batched ? x : expandDims(x, 0), {
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      weight: this.weight,
      bias: this.bias,
      useInputStats: this.training || !this.runningMean,
      momentum: this.momentum,
      eps: this.eps,
    });
    return batched ? y : squeeze(y, [0]);
  }
}

/**
 * Instance normalization of N×C×L (or C×L) input, as torch.nn.InstanceNorm1d.
 * @example `new InstanceNorm1d(4, { affine: true }).call(randn([2, 4, 16]))`
 */
export class InstanceNorm1d extends InstanceNormNd {
  constructor(numFeatures: number, options?: InstanceNormOptions) {
    super(1, numFeatures, options);
  }
}

/**
 * Instance normalization of N×C×H×W (or C×H×W) input, as torch.nn.InstanceNorm2d,
 * the normalization of style-transfer networks.
 * @example `new InstanceNorm2d(64).call(randn([1, 64, 32, 32]))`
 */
export class InstanceNorm2d extends InstanceNormNd {
  constructor(numFeatures: number, options?: InstanceNormOptions) {
    super(2, numFeatures, options);
  }
}

/**
 * Instance normalization of N×C×D×H×W (or C×D×H×W) input, as torch.nn.InstanceNorm3d.
 * @example `new InstanceNorm3d(8, { trackRunningStats: true }).call(randn([2, 8, 4, 4, 4]))`
 */
export class InstanceNorm3d extends InstanceNormNd {
  constructor(numFeatures: number, options?: InstanceNormOptions) {
    super(3, numFeatures, options);
  }
}
