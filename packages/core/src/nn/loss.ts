import { logSoftmax } from '../ops/activation.js';
import { add, exp, isFloat, log, maximum, mul, neg, square, sub } from '../ops/elementwise.js';
import { stopGradient } from '../ops/gradient-control.js';
import { mean, sum } from '../ops/reduce.js';
import { freeOnThrow } from '../tensor/engine.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../util/errors.js';
import { assertClassTargets, oneHot } from './targets.js';

/** How per-element losses are combined: averaged (default), summed, or returned as they are. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options every loss takes. */
export interface LossOptions {
  readonly reduction?: Reduction;
}

/** A loss as `fit` uses it: model output and targets to a scalar. */
export type LossFn = (output: Tensor, target: Tensor) => Tensor;

function reduceLoss(loss: Tensor, reduction: Reduction = 'mean'): Tensor {
  switch (reduction) {
    case 'mean':
      return mean(loss);
    case 'sum':
      return sum(loss);
    case 'none':
      return loss;
  }
}

function assertSameShape(op: string, a: Tensor, b: Tensor): void {
  if (!shapesEqual(a.shape, b.shape))
    throw new ShapeError(op, `input ${fmtShape(a.shape)} and target ${fmtShape(b.shape)} must have the same shape`);
  if (!isFloat(a.dtype)) throw new DTypeError(op, `expects a float input, got ${a.describe()}`);
}

/** Options of crossEntropy. */
export interface CrossEntropyOptions extends LossOptions {
  /** Mixes the target with the uniform distribution: (1 − ε)·target + ε/C (default 0). */
  readonly labelSmoothing?: number;
}

/**
 * Float targets must be probabilities shaped like the logits. Float targets
 * shaped N×… are class indices in the wrong dtype, the common mistake, so
 * the message says that rather than only that the shapes differ.
 */
function assertProbabilityTargets(op: string, logits: Tensor, targets: Tensor): void {
  if (shapesEqual(targets.shape, logits.shape)) return;
  const indexShape = [logits.shape[0]!, ...logits.shape.slice(2)];
  if (shapesEqual(targets.shape, indexShape))
    throw new DTypeError(
      op,
      `targets ${targets.describe()} have the shape of class indices for logits ${fmtShape(logits.shape)}: class indices must be int32 (cast(targets, 'int32')); float targets are probabilities of shape ${fmtShape(logits.shape)}`,
    );
  throw new ShapeError(
    op,
    `targets ${targets.describe()} fit neither logits ${fmtShape(logits.shape)} as probabilities (same shape) nor as class indices (int32 of shape ${fmtShape(indexShape)})`,
  );
}

/**
 * Cross-entropy of unnormalized scores (N×C or N×C×…, classes on axis 1)
 * against int32 class indices (N×…) or class probabilities (same shape as
 * the scores), as torch.nn.functional.cross_entropy. Computed through
 * logSoftmax, so large logits neither overflow nor lose the gradient.
 *
 * @example
 * ```ts
 * const loss = crossEntropy(model.call(x), tensor([3, 0, 1], undefined, 'int32'), { labelSmoothing: 0.1 });
 * ```
 */
export const crossEntropy = freeOnThrow(function crossEntropy(
  logits: Tensor,
  targets: Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  const op = 'crossEntropy';
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new ArgumentError(op, `labelSmoothing must be in [0, 1], got ${eps}`);
  if (!isFloat(logits.dtype) || logits.rank < 2)
    throw new ShapeError(op, `expects float N×C×… logits, got ${logits.describe()}`);
  const c = logits.shape[1]!;
  if (isFloat(targets.dtype)) assertProbabilityTargets(op, logits, targets);
  else assertClassTargets(op, logits, targets);
  const logp = logSoftmax(logits, 1);
  let loss: Tensor;
  if (isFloat(targets.dtype)) {
    const smoothed = eps > 0 ? add(mul(targets, 1 - eps), eps / c) : targets;
    loss = neg(sum(mul(smoothed, logp), 1));
  } else {
    const hot = oneHot(targets, c, logits.dtype);
    loss = neg(sum(mul(logp, hot), 1));
    hot.disposeWhenFree();
    if (eps > 0) loss = add(mul(loss, 1 - eps), mul(neg(mean(logp, 1)), eps));
  }
  return reduceLoss(loss, options.reduction);
});

/**
 * Negative log-likelihood of log-probabilities (N×C×…) at int32 class
 * indices (N×…), as torch.nn.functional.nll_loss. Pair with logSoftmax.
 *
 * @example
 * ```ts
 * nllLoss(logSoftmax(logits, 1), targets);
 * ```
 */
export const nllLoss = freeOnThrow(function nllLoss(
  logProbs: Tensor,
  targets: Tensor,
  options: LossOptions = {},
): Tensor {
  assertClassTargets('nllLoss', logProbs, targets);
  const hot = oneHot(targets, logProbs.shape[1]!, logProbs.dtype);
  const loss = neg(sum(mul(logProbs, hot), 1));
  hot.disposeWhenFree();
  return reduceLoss(loss, options.reduction);
});

/**
 * Mean squared error (x − y)², as torch.nn.functional.mse_loss.
 * @example `mse(predictions, targets)`
 */
export const mse = freeOnThrow(function mse(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  assertSameShape('mse', input, target);
  return reduceLoss(square(sub(input, target)), options.reduction);
});

/**
 * Binary cross-entropy of probabilities in [0, 1], as
 * torch.nn.functional.binary_cross_entropy (logs clamped at −100 as there).
 * Prefer bceWithLogits on raw scores: it is stable.
 */
export const bce = freeOnThrow(function bce(probs: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  assertSameShape('bce', probs, targets);
  const logP = maximum(log(probs), -100);
  const log1mP = maximum(log(sub(1, probs)), -100);
  return reduceLoss(neg(add(mul(targets, logP), mul(sub(1, targets), log1mP))), options.reduction);
});

/**
 * log(1 + eˣ) as m + log(e⁻ᵐ + eˣ⁻ᵐ) with m = max(x, 0) held constant: both
 * exponents are ≤ 0, and the derivative is exactly sigmoid(x) everywhere
 * (the |x| formulation gets 0 instead of ½ at x = 0).
 */
function softplus(x: Tensor): Tensor {
  const m = stopGradient(maximum(x, 0));
  return add(m, log(add(exp(neg(m)), exp(sub(x, m)))));
}

/** Options of bceWithLogits. */
export interface BceWithLogitsOptions extends LossOptions {
  /** Weight of the positive term, broadcast against the targets (torch's pos_weight). */
  readonly posWeight?: Tensor | number;
}

/**
 * Binary cross-entropy on raw scores: −[w·y·log σ(x) + (1 − y)·log(1 − σ(x))],
 * computed with a stable softplus, as
 * torch.nn.functional.binary_cross_entropy_with_logits.
 *
 * @example
 * ```ts
 * bceWithLogits(tensor([2.5, -1]), tensor([1, 0]));
 * ```
 */
export const bceWithLogits = freeOnThrow(function bceWithLogits(
  logits: Tensor,
  targets: Tensor,
  options: BceWithLogitsOptions = {},
): Tensor {
  assertSameShape('bceWithLogits', logits, targets);
  const positive = mul(targets, softplus(neg(logits)));
  const negative = mul(sub(1, targets), softplus(logits));
  const loss = add(options.posWeight === undefined ? positive : mul(positive, options.posWeight), negative);
  return reduceLoss(loss, options.reduction);
});
