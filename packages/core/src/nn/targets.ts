import { cast, equal } from '../ops/elementwise.js';
import { expandDims, reshape } from '../ops/layout.js';
import { arange } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { DTypeError, ShapeError, ArgumentError, fmtShape } from '../util/errors.js';

/**
 * Checks that `targets` are int32 class indices fitting scores of shape
 * N×C×…: shape N×… and every value in [0, C) or equal to `ignoreIndex`.
 * Returns how many are not ignored.
 */
export function assertClassTargets(op: string, scores: Tensor, targets: Tensor, ignoreIndex?: number): number {
  if (targets.dtype !== 'int32')
    throw new DTypeError(op, `targets must be int32 class indices, got ${targets.describe()}`);
  const expected = [scores.shape[0]!, ...scores.shape.slice(2)];
  if (scores.rank < 2 || targets.rank !== expected.length || targets.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(
      op,
      `targets ${fmtShape(targets.shape)} do not fit scores ${fmtShape(scores.shape)} (N×C×… scores need N×… targets)`,
    );
  }
  const c = scores.shape[1]!;
  const values = targets.dataSync();
  let counted = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === ignoreIndex) continue;
    if (values[i]! < 0 || values[i]! >= c)
      throw new ArgumentError(op, `target ${values[i]} at position ${i} is outside the ${c} classes [0, ${c})`);
    counted++;
  }
  return counted;
}

/** One-hot encoding of N×… class indices as N×C×… in `dtype` (classes on axis 1, like the scores). */
export function oneHot(targets: Tensor, numClasses: number, dtype: Tensor['dtype']): Tensor {
  const classes = reshape(arange(0, numClasses, 1, 'int32'), [
    numClasses,
    ...new Array<number>(targets.rank - 1).fill(1),
  ]);
  const hot = cast(equal(expandDims(targets, 1), classes), dtype);
  classes.disposeWhenFree();
  return hot;
}
