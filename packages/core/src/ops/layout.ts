import type { DType, Shape } from '../backend/types.js';
import { isRecording, recordOp } from '../autograd/tape.js';
import { aliasTensor, ensureOnActiveBackend, freeOnThrow } from '../tensor/engine.js';
import { normalizeAxis, shapesEqual, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtValue } from '../util/errors.js';
import { runOp } from './op.js';

/**
 * Same values, new shape (no copy). One entry may be −1 and is inferred.
 *
 * @example
 * ```ts
 * reshape(arange(6), [2, -1]).shape; // [2, 3]
 * ```
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  ensureOnActiveBackend(x, 'reshape');
  return aliasWithGrad('reshape', x, inferShape(x, shape));
}

function inferShape(x: Tensor, shape: Shape): number[] {
  const unknown = shape.indexOf(-1);
  if (shape.lastIndexOf(-1) !== unknown)
    throw new ShapeError('reshape', `only one dimension may be -1, got ${fmtShape(shape)}`);
  const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
  const out = [...shape];
  if (unknown >= 0) {
    if (known === 0 || x.size % known !== 0)
      throw new ShapeError(
        'reshape',
        `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`,
      );
    out[unknown] = x.size / known;
  }
  for (const d of out)
    if (!Number.isInteger(d) || d < 0) throw new ShapeError('reshape', `invalid target shape ${fmtShape(shape)}`);
  if (sizeOf(out) !== x.size)
    throw new ShapeError('reshape', `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`);
  return out;
}

function aliasWithGrad(op: string, x: Tensor, shape: Shape): Tensor {
  const out = aliasTensor(x, shape);
  if (isRecording([x])) recordOp(op, [x], out, (dy) => [reshape(dy, x.shape)]);
  return out;
}

/** Inserts a dimension of size 1 at `axis`. */
export function expandDims(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Removes dimensions of size 1 (all of them, or those listed). */
export function squeeze(x: Tensor, axes?: readonly number[]): Tensor {
  const drop = new Set(
    axes?.map((a) => normalizeAxis('squeeze', a, x.rank)) ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])),
  );
  for (const a of drop)
    if (x.shape[a] !== 1) throw new ShapeError('squeeze', `axis ${a} of ${fmtShape(x.shape)} is not 1`);
  return reshape(
    x,
    x.shape.filter((_, i) => !drop.has(i)),
  );
}

/** Keeps the first `startAxis` dimensions and flattens the rest into one. */
export function flatten(x: Tensor, startAxis = 1): Tensor {
  const a = normalizeAxis('flatten', startAxis, x.rank);
  return reshape(x, [...x.shape.slice(0, a), sizeOf(x.shape.slice(a))]);
}

/**
 * Permutes dimensions: output dim i is input dim perm[i] (default: reversed).
 *
 * @example
 * ```ts
 * transpose(zeros([2, 3, 4]), [0, 2, 1]).shape; // [2, 4, 3]
 * ```
 */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => normalizeAxis('transpose', a, x.rank)) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new ShapeError(
      'transpose',
      `perm ${fmtValue(perm)} is not a permutation of the ${x.rank} axes of ${fmtShape(x.shape)}`,
    );
  }
  if (p.every((a, i) => a === i)) return reshape(x, x.shape);
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => {
    inverse[a] = i;
  });
  return runOp(
    'transpose',
    [x],
    (b, [xi]) => b.transpose(xi!, p),
    (dy) => [transpose(dy, inverse)],
  );
}

/**
 * A contiguous block: `begin` per dimension, `size` per dimension (−1 = to
 * the end). Shorter arrays cover the leading dimensions.
 *
 * @example
 * ```ts
 * slice(arange(10), [2], [3]).toArray(); // [2, 3, 4]
 * ```
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  if (begin.length > x.rank)
    throw new ShapeError('slice', `begin ${fmtValue(begin)} has more entries than the rank of ${fmtShape(x.shape)}`);
  const b = x.shape.map((_, i) => begin[i] ?? 0);
  const s = x.shape.map((d, i) => {
    const want = size?.[i] ?? -1;
    return want === -1 ? d - b[i]! : want;
  });
  for (let i = 0; i < x.rank; i++) {
    if (!Number.isInteger(b[i]) || !Number.isInteger(s[i]) || b[i]! < 0 || s[i]! < 0 || b[i]! + s[i]! > x.shape[i]!) {
      throw new ShapeError('slice', `begin ${fmtValue(b)} size ${fmtValue(s)} is outside ${fmtShape(x.shape)}`);
    }
  }
  if (s.every((d, i) => d === x.shape[i])) return reshape(x, x.shape);
  return runOp(
    'slice',
    [x],
    (be, [xi]) => be.slice(xi!, b, s),
    (dy) => [
      pad(
        dy,
        x.shape.map((d, i) => [b[i]!, d - b[i]! - s[i]!] as const),
      ),
    ],
  );
}

/**
 * Pads with a constant: one [before, after] pair per dimension.
 *
 * @example
 * ```ts
 * pad(ones([2, 2]), [[1, 1], [0, 2]]).shape; // [4, 4]
 * ```
 */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  if (paddings.length !== x.rank)
    throw new ShapeError(
      'pad',
      `needs ${x.rank} [before, after] pairs for ${fmtShape(x.shape)}, got ${paddings.length}`,
    );
  for (const [a, b] of paddings) {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0)
      throw new ArgumentError('pad', `paddings must be non-negative integers, got ${fmtValue(paddings)}`);
  }
  if (paddings.every(([a, b]) => a === 0 && b === 0)) return reshape(x, x.shape);
  return runOp(
    'pad',
    [x],
    (be, [xi]) => be.pad(xi!, paddings, value),
    (dy) => [
      slice(
        dy,
        paddings.map(([a]) => a),
        x.shape,
      ),
    ],
  );
}

/**
 * Joins tensors along an existing axis.
 *
 * @example
 * ```ts
 * concat([zeros([2, 3]), ones([1, 3])], 0).shape; // [3, 3]
 * ```
 */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ArgumentError('concat', 'needs at least one tensor');
  const first = xs[0]!;
  const a = normalizeAxis('concat', axis, first.rank);
  for (const t of xs) {
    if (t.dtype !== first.dtype)
      throw new DTypeError('concat', `dtypes differ: ${xs.map((x) => x.describe()).join(', ')}`);
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ShapeError('concat', `shapes ${xs.map((x) => fmtShape(x.shape)).join(', ')} differ outside axis ${a}`);
    }
  }
  if (xs.length === 1) return reshape(first, first.shape);
  return runOp(
    'concat',
    xs,
    (be, infos) => be.concat(infos, a),
    (dy, needs) => {
      let offset = 0;
      return xs.map((t, i) => {
        const begin = t.shape.map((_, j) => (j === a ? offset : 0));
        offset += t.shape[a]!;
        return needs[i] ? slice(dy, begin, t.shape) : null;
      });
    },
  );
}

/** Stacks same-shaped tensors along a new axis. */
export const stack = freeOnThrow(function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ArgumentError('stack', 'needs at least one tensor');
  const a = normalizeAxis('stack', axis, xs[0]!.rank + 1);
  for (const t of xs) {
    if (!shapesEqual(t.shape, xs[0]!.shape))
      throw new ShapeError('stack', `shapes differ: ${xs.map((x) => fmtShape(x.shape)).join(', ')}`);
  }
  return concat(
    xs.map((t) => expandDims(t, a)),
    a,
  );
});

/** Splits into pieces along an axis: a count of equal parts, or a list of sizes. */
export const split = freeOnThrow(function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis('split', axis, x.rank);
  const dim = x.shape[a]!;
  const list = typeof sizes === 'number' ? new Array<number>(sizes).fill(dim / sizes) : sizes;
  if (list.some((s) => !Number.isInteger(s) || s < 0) || list.reduce((p, s) => p + s, 0) !== dim) {
    throw new ShapeError('split', `cannot split axis ${a} of ${fmtShape(x.shape)} into ${fmtValue(sizes)}`);
  }
  let offset = 0;
  return list.map((s) => {
    const begin = x.shape.map((_, i) => (i === a ? offset : 0));
    const size = x.shape.map((d, i) => (i === a ? s : d));
    offset += s;
    return slice(x, begin, size);
  });
});

function assertIndices(op: string, indices: Tensor, limit: number, x: Tensor, axis: number): void {
  if (indices.dtype !== 'int32')
    throw new DTypeError(op, `indices must be int32, got ${indices.describe()} for x ${x.describe()}`);
  const values = indices.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v >= limit)
      throw new ArgumentError(
        op,
        `index ${v} at position ${i} is out of range [0, ${limit}) for axis ${axis} of ${fmtShape(x.shape)}`,
      );
  }
}

/**
 * Takes slices along `axis` at int32 `indices` (NumPy `take`). Differentiable in x.
 *
 * @example
 * ```ts
 * gather(tensor([[1, 2], [3, 4], [5, 6]]), tensor([2, 0], undefined, 'int32')); // [[5, 6], [1, 2]]
 * ```
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  const a = normalizeAxis('gather', axis, x.rank);
  assertIndices('gather', indices, x.shape[a]!, x, a);
  return gatherUnchecked(x, indices, a);
}

function gatherUnchecked(x: Tensor, indices: Tensor, a: number): Tensor {
  return runOp(
    'gather',
    [x, indices],
    (be, [xi, ii]) => be.gather(xi!, ii!, a),
    (dy) => [scatterAdd(dy, indices, a, x.shape[a]!), null],
  );
}

/** The adjoint of gather: adds each slice of `updates` into a zero tensor at its index along `axis` (length `axisSize`). */
export function scatterAdd(updates: Tensor, indices: Tensor, axis: number, axisSize: number): Tensor {
  return runOp(
    'scatterAdd',
    [updates, indices],
    (be, [ui, ii]) => be.scatterAdd(ui!, ii!, axis, axisSize),
    (dy) => [gatherUnchecked(dy, indices, axis), null],
  );
}

/** Checks that a tensor has one of the expected dtypes. */
export function assertDType(op: string, x: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(x.dtype)) throw new DTypeError(op, `expects ${allowed.join(' or ')}, got ${x.describe()}`);
}
