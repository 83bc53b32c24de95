import { cast, equal, greater, less, mul } from '../ops/elementwise.js';
import { noGrad } from '../ops/gradient-control.js';
import { argmax, mean, sum } from '../ops/reduce.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../util/errors.js';
import { assertClassTargets, oneHot } from './targets.js';

/**
 * Fraction of samples whose highest score (axis 1 of N×C×… logits or
 * probabilities) is the int32 target class.
 *
 * @example
 * ```ts
 * accuracy(tensor([[2, 1], [0, 3]]), tensor([0, 0], undefined, 'int32')); // 0.5
 * ```
 */
export function accuracy(scores: Tensor, targets: Tensor): number {
  assertClassTargets('accuracy', scores, targets);
  return noGrad(() => tidy(() => mean(cast(equal(argmax(scores, 1), targets), 'float32')).item()));
}

/**
 * Fraction of samples whose target class is among the k highest scores
 * (ties with the target count in its favour).
 *
 * @example
 * ```ts
 * topKAccuracy(logits, targets, 5);
 * ```
 */
export function topKAccuracy(scores: Tensor, targets: Tensor, k: number): number {
  assertClassTargets('topKAccuracy', scores, targets);
  if (!Number.isInteger(k) || k < 1) throw new ArgumentError('topKAccuracy', `k must be a positive integer, got ${k}`);
  return noGrad(() =>
    tidy(() => {
      const targetScore = sum(mul(scores, oneHot(targets, scores.shape[1]!, scores.dtype)), 1, { keepDims: true });
      const beaten = sum(greater(scores, targetScore), 1);
      return mean(cast(less(beaten, k), 'float32')).item();
    }),
  );
}

/**
 * Counts of (true class, predicted class) pairs as an int32 C×C tensor:
 * row = target, column = prediction. `predictions` are int32 labels (N) or
 * scores (N×C), whose argmax is taken.
 *
 * @example
 * ```ts
 * confusionMatrix(tensor([0, 1, 1], undefined, 'int32'), tensor([0, 0, 1], undefined, 'int32'), 2).toArray(); // [[1, 0], [1, 1]]
 * ```
 */
export function confusionMatrix(predictions: Tensor, targets: Tensor, numClasses: number): Tensor {
  const op = 'confusionMatrix';
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ArgumentError(op, `numClasses must be a positive integer, got ${numClasses}`);
  const labels = predictions.rank === 2 ? noGrad(() => argmax(predictions, 1)) : predictions;
  try {
    if (labels.dtype !== 'int32' || targets.dtype !== 'int32' || labels.rank !== 1 || labels.size !== targets.size) {
      throw new ShapeError(
        op,
        `expects N int32 labels (or N×C scores) and N int32 targets, got ${predictions.describe()} and ${targets.describe()}`,
      );
    }
    const p = labels.dataSync();
    const t = targets.dataSync();
    const counts = new Int32Array(numClasses * numClasses);
    for (let i = 0; i < t.length; i++) {
      if (t[i]! < 0 || t[i]! >= numClasses || p[i]! < 0 || p[i]! >= numClasses) {
        throw new ArgumentError(op, `pair (${t[i]}, ${p[i]}) at position ${i} is outside the ${numClasses} classes`);
      }
      counts[t[i]! * numClasses + p[i]!]!++;
    }
    return tensor(counts, [numClasses, numClasses], 'int32');
  } finally {
    if (labels !== predictions) labels.dispose();
  }
}
