import { logSoftmax } from '../ops/activation.js';
import {
  abs,
  add,
  cast,
  div,
  exp,
  greater,
  isFloat,
  less,
  log,
  maximum,
  mul,
  neg,
  notEqual,
  relu,
  square,
  sub,
  where,
} from '../ops/elementwise.js';
import { stopGradient } from '../ops/gradient-control.js';
import { expandDims, reshape } from '../ops/layout.js';
import { mean, sum } from '../ops/reduce.js';
import { freeOnThrow } from '../tensor/engine.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { assertClassTargets, oneHot } from './targets.js';
import { fusedSoftmaxCrossEntropy, fusesSoftmaxCrossEntropy } from '../ops/fused-cross-entropy.js';

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

/** Options of crossEntropy, with PyTorch's defaults. */
export interface CrossEntropyOptions extends LossOptions {
  /** Mixes the target with the uniform distribution: (1 − ε)·target + ε/C (default 0). */
  readonly labelSmoothing?: number;
  /** A weight per class (shape [C]); the mean then divides by the summed weights of the targets, as torch. */
  readonly weight?: Tensor;
  /** Class-index targets equal to this add nothing to the loss nor to the mean's count (default −100, as torch). */
  readonly ignoreIndex?: number;
}

/** Options of nllLoss, with PyTorch's defaults. */
export interface NllLossOptions extends LossOptions {
  /** A weight per class (shape [C]); the mean then divides by the summed weights of the targets, as torch. */
  readonly weight?: Tensor;
  /** Targets equal to this add nothing to the loss nor to the mean's count (default −100, as torch). */
  readonly ignoreIndex?: number;
}

const CROSS_ENTROPY_OPTIONS = ['reduction', 'labelSmoothing', 'weight', 'ignoreIndex'] as const;
const NLL_OPTIONS = ['reduction', 'weight', 'ignoreIndex'] as const;
const REDUCTION_ONLY = ['reduction'] as const;

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

/** The class weights checked against C and laid along axis 1 of N×C×… scores, in their dtype. */
function classWeights(op: string, weight: Tensor | undefined, scores: Tensor): Tensor | undefined {
  if (weight === undefined) return undefined;
  const c = scores.shape[1]!;
  if (weight.rank !== 1 || weight.shape[0] !== c || !isFloat(weight.dtype))
    throw new ShapeError(op, `weight must be a float vector of the ${c} classes, got ${weight.describe()}`);
  const w = weight.dtype === scores.dtype ? weight : cast(weight, scores.dtype);
  return reshape(w, [c, ...new Array<number>(scores.rank - 2).fill(1)]);
}

/**
 * The weighted per-target one-hot (w[y] at y, zero rows where the target is
 * ignored) and its total, the divisor of torch's weighted mean.
 */
function targetWeights(
  scores: Tensor,
  targets: Tensor,
  weight: Tensor | undefined,
  ignoreIndex: number,
): { hot: Tensor; total: Tensor } {
  const c = scores.shape[1]!;
  let hot = oneHot(targets, c, scores.dtype);
  // An ignored index outside [0, C) already has a zero row; one inside needs masking.
  if (ignoreIndex >= 0 && ignoreIndex < c)
    hot = mul(hot, expandDims(cast(notEqual(targets, ignoreIndex), scores.dtype), 1));
  if (weight) hot = mul(hot, weight);
  return { hot, total: sum(hot) };
}

function reduceWeighted(loss: Tensor, total: Tensor, reduction: Reduction = 'mean'): Tensor {
  return reduction === 'mean' ? div(sum(loss), total) : reduceLoss(loss, reduction);
}

function checkIgnoreIndex(op: string, ignoreIndex: number): void {
  if (!Number.isInteger(ignoreIndex)) throw new ArgumentError(op, `ignoreIndex must be an integer, got ${ignoreIndex}`);
}

/**
 * Cross-entropy of unnormalized scores (N×C or N×C×…, classes on axis 1)
 * against int32 class indices (N×…) or class probabilities (same shape as
 * the scores), as torch.nn.functional.cross_entropy, with its class
 * `weight`, `ignoreIndex` and `labelSmoothing`: with class indices the mean
 * is Σ w[yᵢ]·lᵢ / Σ w[yᵢ] over the targets not ignored. Computed through
 * logSoftmax, so large logits neither overflow nor lose the gradient.
 *
 * @example
 * ```ts
 * const loss = crossEntropy(model.call(x), tensor([3, 0, 1], undefined, 'int32'), { labelSmoothing: 0.1 });
 * crossEntropy(logits, targets, { weight: tensor([1, 5]), ignoreIndex: 255 }); // rare class counts 5×
 * ```
 */
export const crossEntropy = freeOnThrow(function crossEntropy(
  logits: Tensor,
  targets: Tensor,
  options?: CrossEntropyOptions,
): Tensor {
  const op = 'crossEntropy';
  const { reduction, labelSmoothing: eps = 0, weight, ignoreIndex } = checkOptions(op, options, CROSS_ENTROPY_OPTIONS);
  if (!(eps >= 0 && eps <= 1)) throw new ArgumentError(op, `labelSmoothing must be in [0, 1], got ${eps}`);
  if (!isFloat(logits.dtype) || logits.rank < 2)
    throw new ShapeError(op, `expects float N×C×… logits, got ${logits.describe()}`);
  const c = logits.shape[1]!;
  const w = classWeights(op, weight, logits);
  if (isFloat(targets.dtype)) {
    assertProbabilityTargets(op, logits, targets);
    if (ignoreIndex !== undefined)
      throw new ArgumentError(op, 'ignoreIndex applies to class-index targets, not to probability targets');
    const logp = logSoftmax(logits, 1);
    const smoothed = eps > 0 ? add(mul(targets, 1 - eps), eps / c) : targets;
    const weighted = w ? mul(smoothed, w) : smoothed;
    return reduceLoss(neg(sum(mul(weighted, logp), 1)), reduction);
  }
  const ignore = ignoreIndex ?? -100;
  checkIgnoreIndex(op, ignore);
  const counted = assertClassTargets(op, logits, targets, ignore);
  const composed = (scores: Tensor): Tensor => {
    const logp = logSoftmax(scores, 1);
    const { hot, total } = targetWeights(scores, targets, w, ignore);
    const nll = reduceWeighted(neg(sum(mul(logp, hot), 1)), total, reduction);
    if (eps === 0) return nll;
    // torch's smoothing term: −Σ_c w_c·log p_c per target, zero where ignored, reduced like the nll.
    const valid = cast(notEqual(targets, ignore), scores.dtype);
    const smooth = mul(neg(sum(w ? mul(logp, w) : logp, 1)), valid);
    return add(mul(nll, 1 - eps), mul(reduceWeighted(smooth, total, reduction), eps / c));
  };
  const r = reduction ?? 'mean';
  // A mean over no targets (all ignored) is 0/0: the composition gives torch's NaN, loss and gradient.
  const emptyMean = r === 'mean' && counted === 0;
  if (w || eps !== 0 || emptyMean || !fusesSoftmaxCrossEntropy(logits, targets)) return composed(logits);
  const how = { ignoreIndex: ignore, scale: r === 'mean' ? 1 / counted : 1, reduce: r !== 'none' };
  return fusedSoftmaxCrossEntropy(logits, targets, how, composed);
});

/**
 * Negative log-likelihood of log-probabilities (N×C×…) at int32 class
 * indices (N×…), as torch.nn.functional.nll_loss, with its class `weight`
 * and `ignoreIndex` (the mean is Σ w[yᵢ]·lᵢ / Σ w[yᵢ] over the targets not
 * ignored). Pair with logSoftmax.
 *
 * @example
 * ```ts
 * nllLoss(logSoftmax(logits, 1), targets, { ignoreIndex: 0 });
 * ```
 */
export const nllLoss = freeOnThrow(function nllLoss(
  logProbs: Tensor,
  targets: Tensor,
  options?: NllLossOptions,
): Tensor {
  const op = 'nllLoss';
  const { reduction, weight, ignoreIndex = -100 } = checkOptions(op, options, NLL_OPTIONS);
  checkIgnoreIndex(op, ignoreIndex);
  assertClassTargets(op, logProbs, targets, ignoreIndex);
  if (!isFloat(logProbs.dtype)) throw new DTypeError(op, `expects float log-probabilities, got ${logProbs.describe()}`);
  const { hot, total } = targetWeights(logProbs, targets, classWeights(op, weight, logProbs), ignoreIndex);
  return reduceWeighted(neg(sum(mul(logProbs, hot), 1)), total, reduction);
});

/**
 * Mean squared error (x − y)², as torch.nn.functional.mse_loss.
 * @example `mse(predictions, targets)`
 */
export const mse = freeOnThrow(function mse(input: Tensor, target: Tensor, options?: LossOptions): Tensor {
  const { reduction } = checkOptions('mse', options, REDUCTION_ONLY);
  assertSameShape('mse', input, target);
  return reduceLoss(square(sub(input, target)), reduction);
});

/** Options of bce. */
export interface BceOptions extends LossOptions {
  /** Multiplies each element's loss, broadcast against the targets (torch's weight). */
  readonly weight?: Tensor | number;
}

/**
 * Binary cross-entropy of probabilities in [0, 1], as
 * torch.nn.functional.binary_cross_entropy (logs clamped at −100 as there).
 * Prefer bceWithLogits on raw scores: it is stable.
 * @example `bce(sigmoid(scores), targets, { weight: 2 })`
 */
export const bce = freeOnThrow(function bce(probs: Tensor, targets: Tensor, options?: BceOptions): Tensor {
  const { reduction, weight } = checkOptions('bce', options, ['reduction', 'weight']);
  assertSameShape('bce', probs, targets);
  const logP = maximum(log(probs), -100);
  const log1mP = maximum(log(sub(1, probs)), -100);
  const loss = neg(add(mul(targets, logP), mul(sub(1, targets), log1mP)));
  return reduceLoss(weight === undefined ? loss : mul(loss, weight), reduction);
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
  /** Multiplies each element's loss, broadcast against the targets (torch's weight). */
  readonly weight?: Tensor | number;
}

/**
 * Binary cross-entropy on raw scores: −w·[p·y·log σ(x) + (1 − y)·log(1 − σ(x))]
 * with p = posWeight and w = weight, computed with a stable softplus, as
 * torch.nn.functional.binary_cross_entropy_with_logits.
 *
 * @example
 * ```ts
 * bceWithLogits(tensor([2.5, -1]), tensor([1, 0]), { posWeight: 3 });
 * ```
 */
export const bceWithLogits = freeOnThrow(function bceWithLogits(
  logits: Tensor,
  targets: Tensor,
  options?: BceWithLogitsOptions,
): Tensor {
  const { reduction, posWeight, weight } = checkOptions('bceWithLogits', options, ['reduction', 'posWeight', 'weight']);
  assertSameShape('bceWithLogits', logits, targets);
  const positive = mul(targets, softplus(neg(logits)));
  const negative = mul(sub(1, targets), softplus(logits));
  const loss = add(posWeight === undefined ? positive : mul(positive, posWeight), negative);
  return reduceLoss(weight === undefined ? loss : mul(loss, weight), reduction);
});

/**
 * Mean absolute error |x − y|, as torch.nn.functional.l1_loss.
 * @example `l1Loss(predictions, targets, { reduction: 'sum' })`
 */
export const l1Loss = freeOnThrow(function l1Loss(input: Tensor, target: Tensor, options?: LossOptions): Tensor {
  const { reduction } = checkOptions('l1Loss', options, REDUCTION_ONLY);
  assertSameShape('l1Loss', input, target);
  return reduceLoss(abs(sub(input, target)), reduction);
});

/** Options of smoothL1Loss. */
export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 is l1Loss). */
  readonly beta?: number;
}

/** ½d²/s below s = |d| < threshold, else scale·(|d| − ½·threshold); the two losses differ only in scale. */
function quadraticThenLinear(d: Tensor, threshold: number, quadraticScale: number, linearScale: number): Tensor {
  const a = abs(d);
  return where(less(a, threshold), mul(square(d), quadraticScale), mul(sub(a, threshold / 2), linearScale));
}

/**
 * Smooth L1: ½(x − y)²/β where |x − y| < β, else |x − y| − ½β, as
 * torch.nn.functional.smooth_l1_loss.
 * @example `smoothL1Loss(boxes, targetBoxes, { beta: 1 / 9 })`
 */
export const smoothL1Loss = freeOnThrow(function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options?: SmoothL1LossOptions,
): Tensor {
  const op = 'smoothL1Loss';
  const { reduction, beta = 1 } = checkOptions(op, options, ['reduction', 'beta']);
  if (!(beta >= 0 && Number.isFinite(beta))) throw new ArgumentError(op, `beta must be finite and ≥ 0, got ${beta}`);
  assertSameShape(op, input, target);
  const d = sub(input, target);
  return reduceLoss(beta === 0 ? abs(d) : quadraticThenLinear(d, beta, 0.5 / beta, 1), reduction);
});

/** Options of huberLoss. */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1, must be > 0). */
  readonly delta?: number;
}

/**
 * Huber loss: ½(x − y)² where |x − y| < δ, else δ·(|x − y| − ½δ), as
 * torch.nn.functional.huber_loss (smoothL1Loss with β = δ, times δ).
 * @example `huberLoss(predictions, targets, { delta: 2 })`
 */
export const huberLoss = freeOnThrow(function huberLoss(
  input: Tensor,
  target: Tensor,
  options?: HuberLossOptions,
): Tensor {
  const op = 'huberLoss';
  const { reduction, delta = 1 } = checkOptions(op, options, ['reduction', 'delta']);
  if (!(delta > 0 && Number.isFinite(delta))) throw new ArgumentError(op, `delta must be finite and > 0, got ${delta}`);
  assertSameShape(op, input, target);
  return reduceLoss(quadraticThenLinear(sub(input, target), delta, 0.5, delta), reduction);
});

/** Options of klDiv, with PyTorch's defaults. */
export interface KlDivOptions {
  /** 'batchmean' divides the sum by the batch size (axis 0), the true KL divergence; 'mean' (default, as torch) by the element count. */
  readonly reduction?: Reduction | 'batchmean';
  /** The target holds log-probabilities rather than probabilities (default false). */
  readonly logTarget?: boolean;
}

/**
 * Kullback–Leibler divergence of log-probabilities `input` from `target`,
 * pointwise target·(log target − input), with 0·log 0 = 0, as
 * torch.nn.functional.kl_div.
 *
 * @example
 * ```ts
 * klDiv(logSoftmax(student, 1), softmax(teacher, 1), { reduction: 'batchmean' });
 * ```
 */
export const klDiv = freeOnThrow(function klDiv(input: Tensor, target: Tensor, options?: KlDivOptions): Tensor {
  const op = 'klDiv';
  const { reduction = 'mean', logTarget = false } = checkOptions(op, options, ['reduction', 'logTarget']);
  assertSameShape(op, input, target);
  // 0·log 0 = 0: where target is 0, log sees a 1 instead, which keeps the gradient finite as well.
  const loss = logTarget
    ? mul(exp(target), sub(target, input))
    : mul(target, sub(log(where(greater(target, 0), target, 1)), input));
  if (reduction !== 'batchmean') return reduceLoss(loss, reduction);
  if (input.rank === 0) return sum(loss);
  return div(sum(loss), input.shape[0]!);
});

/** Options of marginRankingLoss. */
export interface MarginRankingLossOptions extends LossOptions {
  /** The margin by which the preferred input must win (default 0). */
  readonly margin?: number;
}

/**
 * max(0, −y·(x₁ − x₂) + margin) for y = 1 (x₁ should rank higher) or −1,
 * as torch.nn.functional.margin_ranking_loss.
 * @example `marginRankingLoss(scoreA, scoreB, tensor([1, -1, 1]), { margin: 0.5 })`
 */
export const marginRankingLoss = freeOnThrow(function marginRankingLoss(
  input1: Tensor,
  input2: Tensor,
  target: Tensor,
  options?: MarginRankingLossOptions,
): Tensor {
  const op = 'marginRankingLoss';
  const { reduction, margin = 0 } = checkOptions(op, options, ['reduction', 'margin']);
  assertSameShape(op, input1, input2);
  assertSameShape(op, input1, target);
  return reduceLoss(relu(add(mul(neg(target), sub(input1, input2)), margin)), reduction);
});
