import { noGrad } from '../ops/gradient-control.js';
import { add, cast, mul, rsqrt, sub, square } from '../ops/elementwise.js';
import { reshape } from '../ops/layout.js';
import { mean } from '../ops/reduce.js';
import { full } from '../tensor/creation.js';
import { tidy } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, fmtShape } from '../util/errors.js';
import { type FloatDType, Module } from './module.js';

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

/**
 * Batch normalization over every axis but the channel axis 1. Training
 * normalizes with the batch's biased variance and folds the unbiased one
 * into running_var; eval uses the running statistics. Buffers are torch's
 * running_mean, running_var and num_batches_tracked — the last is int32
 * here (torch stores int64), which its values never outgrow in practice.
 */
abstract class BatchNormNd extends Module {
  readonly weight: Tensor | undefined;
  readonly bias: Tensor | undefined;
  readonly runningMean: Tensor | undefined;
  readonly runningVar: Tensor | undefined;
  readonly numBatchesTracked: Tensor | undefined;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(
    private readonly ranks: readonly number[],
    readonly numFeatures: number,
    options: BatchNormOptions,
  ) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1)
      throw new ArgumentError(this.constructor.name, `numFeatures must be a positive integer, got ${numFeatures}`);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    const dtype = options.dtype ?? 'float32';
    if (options.affine ?? true) {
      this.weight = this.addParameter('weight', full([numFeatures], 1, dtype));
      this.bias = this.addParameter('bias', full([numFeatures], 0, dtype));
    }
    if (options.trackRunningStats ?? true) {
      this.runningMean = this.addBuffer('running_mean', full([numFeatures], 0, dtype));
      this.runningVar = this.addBuffer('running_var', full([numFeatures], 1, dtype));
      this.numBatchesTracked = this.addBuffer('num_batches_tracked', full([], 0, 'int32'));
    }
  }

  forward(x: Tensor): Tensor {
    const op = this.constructor.name;
    if (!this.ranks.includes(x.rank) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        op,
        `expects ${this.ranks.map((r) => `${r}-D`).join(' or ')} input with ${this.numFeatures} channels on axis 1, got ${fmtShape(x.shape)}`,
      );
    }
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const perChannel = [this.numFeatures, ...new Array<number>(x.rank - 2).fill(1)];
    let y: Tensor;
    if (this.training || !this.runningMean || !this.runningVar) {
      const n = x.size / this.numFeatures;
      if (this.training && n < 2)
        throw new ShapeError(op, `needs more than one value per channel in training, got ${fmtShape(x.shape)}`);
      const batchMean = mean(x, axes, { keepDims: true });
      const centered = sub(x, batchMean);
      const batchVar = mean(square(centered), axes, { keepDims: true });
      y = mul(centered, rsqrt(add(batchVar, this.eps)));
      if (this.training) this.updateRunningStats(batchMean, batchVar, n);
    } else {
      y = mul(
        sub(x, reshape(this.runningMean, perChannel)),
        rsqrt(add(reshape(this.runningVar, perChannel), this.eps)),
      );
    }
    if (this.weight && this.bias) y = add(mul(y, reshape(this.weight, perChannel)), reshape(this.bias, perChannel));
    return y;
  }

  /** Folds the batch statistics into the buffers, replacing their storage outside the tape. */
  private updateRunningStats(batchMean: Tensor, batchVar: Tensor, n: number): void {
    const { runningMean: rm, runningVar: rv, numBatchesTracked: count } = this;
    if (!rm || !rv || !count) return;
    noGrad(() =>
      tidy(() => {
        count.adopt(add(count, 1));
        const f = this.momentum ?? 1 / count.item();
        const c = this.numFeatures;
        const mu = cast(reshape(batchMean, [c]), rm.dtype);
        const unbiased = cast(mul(reshape(batchVar, [c]), n / (n - 1)), rv.dtype);
        rm.adopt(add(mul(rm, 1 - f), mul(mu, f)));
        rv.adopt(add(mul(rv, 1 - f), mul(unbiased, f)));
      }),
    );
  }
}

/**
 * Batch normalization of N×C or N×C×L input, as torch.nn.BatchNorm1d.
 * @example `new BatchNorm1d(16).call(randn([8, 16])).shape // [8, 16]`
 */
export class BatchNorm1d extends BatchNormNd {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
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
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super([4], numFeatures, options);
  }
}
