import type { ReduceOp } from '../backend/contract.js';
import type { Shape } from '../backend/types.js';
import { zeros } from '../tensor/creation.js';
import { freeOnThrow } from '../tensor/engine.js';
import { normalizeAxes, normalizeAxis, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError, fmtShape } from '../util/errors.js';
import { add, cast, div, equal, isFloat, mul } from './elementwise.js';
import { reshape } from './layout.js';
import { runOp } from './op.js';
import { checkOptions } from '../util/options.js';

/** Options of the reductions. */
export interface ReduceOptions {
  /** Keep reduced axes as size-1 dimensions. */
  readonly keepDims?: boolean;
}

const REDUCE_OPTIONS = ['keepDims'] as const;

function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/**
 * Broadcasts to `shape` (NumPy rules); the gradient sums back.
 *
 * @example
 * ```ts
 * broadcastTo(tensor([1, 2]), [3, 2]).shape; // [3, 2]
 * ```
 */
export const broadcastTo = freeOnThrow(function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (shapesEqual(x.shape, shape)) return reshape(x, shape);
  // Checked before any tensor is made, so the error names broadcastTo and nothing leaks.
  const lead = shape.length - x.rank;
  if (lead < 0 || x.shape.some((d, i) => d !== 1 && d !== shape[lead + i])) {
    throw new ShapeError('broadcastTo', `cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  }
  // Zeros only as large as the dimensions x is broadcast along: adding them gives
  // the full shape without uploading a full-size tensor (a sum's gradient over
  // N, H and W of a batch would otherwise write a zero per element).
  const z = zeros(
    shape.map((d, i) => (i < lead || x.shape[i - lead] === 1 ? d : 1)),
    x.dtype,
  );
  const out = add(x, z);
  z.disposeWhenFree();
  return out;
});

/** Sums a broadcast gradient back down to `shape`. */
export const sumToShape = freeOnThrow(function sumToShape(x: Tensor, shape: Shape): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  const lead = x.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? sum(x, axes) : x;
  return reshape(summed, shape);
});

function reduce(
  op: ReduceOp,
  x: Tensor,
  axis: number | readonly number[] | undefined,
  options: ReduceOptions,
  backward: (dy: Tensor, out: Tensor, axes: number[]) => Tensor,
): Tensor {
  checkOptions(op, options, REDUCE_OPTIONS);
  const axes = normalizeAxes(op, axis, x.rank);
  if ((op === 'max' || op === 'min') && axes.some((a) => x.shape[a] === 0)) {
    const empty = axes.filter((a) => x.shape[a] === 0);
    throw new ShapeError(
      op,
      `cannot reduce ${fmtShape(x.shape)} over empty axis ${empty.join(', ')}: the ${op === 'max' ? 'maximum' : 'minimum'} of no values is undefined`,
    );
  }
  let out: Tensor;
  if (axes.length === 0) out = reshape(x, x.shape);
  else {
    out = runOp(
      op,
      [x],
      (b, [xi]) => b.reduce(op, xi!, axes),
      (dy, _needs, o) => [backward(reshape(dy, keptShape(x.shape, axes)), reshape(o, keptShape(x.shape, axes)), axes)],
    );
  }
  return options.keepDims ? reshape(out, keptShape(x.shape, axes)) : out;
}

/**
 * Sum over axes (all when omitted).
 *
 * @example
 * ```ts
 * sum(tensor([[1, 2], [3, 4]]), 1).toArray(); // [3, 7]
 * ```
 */
export const sum = freeOnThrow(function sum(
  x: Tensor,
  axis?: number | readonly number[],
  options: ReduceOptions = {},
): Tensor {
  const input = x.dtype === 'bool' ? cast(x, 'int32') : x;
  return reduce('sum', input, axis, options, (dy) => broadcastTo(dy, x.shape));
});

/** Arithmetic mean over axes (all when omitted). */
export const mean = freeOnThrow(function mean(
  x: Tensor,
  axis?: number | readonly number[],
  options: ReduceOptions = {},
): Tensor {
  checkOptions('mean', options, REDUCE_OPTIONS);
  const axes = normalizeAxes('mean', axis, x.rank);
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  const input = isFloat(x.dtype) ? x : cast(x, 'float32');
  return div(sum(input, axes, options), count);
});

/** Variance over axes (biased, as batch normalization uses it unless `unbiased`). */
export const variance = freeOnThrow(function variance(
  x: Tensor,
  axis?: number | readonly number[],
  options: ReduceOptions & { unbiased?: boolean } = {},
): Tensor {
  checkOptions('variance', options, [...REDUCE_OPTIONS, 'unbiased']);
  const axes = normalizeAxes('variance', axis, x.rank);
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  const centered = add(x, mul(mean(x, axes, { keepDims: true }), -1));
  return div(sum(mul(centered, centered), axes, { keepDims: options.keepDims }), options.unbiased ? count - 1 : count);
});

/** The gradient of max/min: split evenly between the elements that attain it. */
function extremumBackward(x: Tensor) {
  return (dy: Tensor, out: Tensor, axes: number[]): Tensor => {
    const mask = cast(equal(x, out), dy.dtype);
    const count = sum(mask, axes, { keepDims: true });
    return mul(mask, div(dy, count));
  };
}

/** Maximum over axes (all when omitted). */
export const max = freeOnThrow(function max(
  x: Tensor,
  axis?: number | readonly number[],
  options: ReduceOptions = {},
): Tensor {
  return reduce('max', x, axis, options, extremumBackward(x));
});

/** Minimum over axes (all when omitted). */
export const min = freeOnThrow(function min(
  x: Tensor,
  axis?: number | readonly number[],
  options: ReduceOptions = {},
): Tensor {
  return reduce('min', x, axis, options, extremumBackward(x));
});

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined): Tensor {
  if (axis === undefined) {
    if (x.size === 0) throw new ShapeError(op, `${fmtShape(x.shape)} is empty: it has no ${op.slice(3)}imum to index`);
    return argReduce(op, reshape(x, [-1]), 0);
  }
  const a = normalizeAxis(op, axis, x.rank);
  if (x.shape[a] === 0) throw new ShapeError(op, `axis ${a} of ${fmtShape(x.shape)} is empty`);
  return runOp(op, [x], (b, [xi]) => b.argReduce(op, xi!, a));
}

/** Index (int32) of the largest value along an axis (of the flattened tensor when omitted). */
export const argmax = freeOnThrow(function argmax(x: Tensor, axis?: number): Tensor {
  return argReduce('argmax', x, axis);
});

/** Index (int32) of the smallest value along an axis (of the flattened tensor when omitted). */
export const argmin = freeOnThrow(function argmin(x: Tensor, axis?: number): Tensor {
  return argReduce('argmin', x, axis);
});
