import {
  type ArgReduceOp,
  type DType,
  type ReduceOp,
  RowCursor,
  type Shape,
  type TypedArray,
  planStrided,
  sizeOf,
  stridesOf,
} from '@gradstream/core';
import { allocate } from '../storage.js';

/** What a reduction starts from; bool sums reduce as `max` (any) so the result stays 0 or 1. */
function identityOf(op: ReduceOp): number {
  return op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
}

/**
 * Reduces `x` over the trailing block of `inner` elements for each of `outer`
 * rows. Accumulates in a double, so float32 sums do not lose precision.
 */
function reduceTrailing(op: ReduceOp, x: TypedArray, out: TypedArray, outer: number, inner: number): void {
  for (let o = 0, i = 0; o < outer; o++) {
    const end = i + inner;
    let acc = identityOf(op);
    switch (op) {
      case 'sum':
        for (; i < end; i++) acc += x[i]!;
        break;
      case 'max':
        // The NaN test lets a NaN win and then stay, as PyTorch's max propagates NaN.
        for (; i < end; i++) {
          const v = x[i]!;
          if (v > acc || Number.isNaN(v)) acc = v;
        }
        break;
      case 'min':
        for (; i < end; i++) {
          const v = x[i]!;
          if (v < acc || Number.isNaN(v)) acc = v;
        }
        break;
    }
    out[o] = acc;
  }
}

/**
 * Reduces over arbitrary axes: walks x in row-major order, each row either
 * folding into one accumulator (reduced last axis) or into a run of them (kept
 * last axis). Accumulators are doubles for precision.
 */
function reduceStrided(op: ReduceOp, x: TypedArray, shape: Shape, axes: readonly number[], acc: Float64Array): void {
  acc.fill(identityOf(op));
  const reduced = new Set(axes);
  const outStrides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    outStrides[i] = reduced.has(i) ? 0 : s;
    if (!reduced.has(i)) s *= shape[i]!;
  }
  const cursor = new RowCursor(planStrided(shape, [stridesOf(shape), outStrides]));
  const n = cursor.rowLength;
  const so = cursor.rowStrides[1]!;
  for (let r = 0; r < cursor.rows; r++) {
    let i = cursor.offsets[0]!;
    let o = cursor.offsets[1]!;
    const end = i + n;
    switch (op) {
      case 'sum':
        for (; i < end; i++, o += so) acc[o]! += x[i]!;
        break;
      case 'max':
        for (; i < end; i++, o += so) {
          const v = x[i]!;
          if (v > acc[o]! || Number.isNaN(v)) acc[o] = v;
        }
        break;
      case 'min':
        for (; i < end; i++, o += so) {
          const v = x[i]!;
          if (v < acc[o]! || Number.isNaN(v)) acc[o] = v;
        }
        break;
    }
    cursor.next();
  }
}

/** Reduces over `axes` (sorted, unique); the output drops those axes and keeps x's dtype. */
export function reduce(
  op: ReduceOp,
  x: TypedArray,
  shape: Shape,
  axes: readonly number[],
  dtype: DType,
): { values: TypedArray; shape: number[] } {
  const effectiveOp: ReduceOp = dtype === 'bool' && op === 'sum' ? 'max' : op;
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const outSize = sizeOf(outShape);
  const out = allocate(dtype, outSize);
  const first = axes[0]!;
  const trailing = axes.length === shape.length - first && axes.every((a, i) => a === first + i);
  if (trailing) {
    reduceTrailing(effectiveOp, x, out, outSize, sizeOf(shape.slice(first)));
  } else {
    const acc = allocate('float64', outSize);
    reduceStrided(effectiveOp, x, shape, axes, acc);
    out.set(acc);
  }
  return { values: out, shape: outShape };
}

/** Index of the max (min) along `axis`, the first on ties; a NaN counts as the extreme, as in PyTorch. */
export function argReduce(
  op: ArgReduceOp,
  x: TypedArray,
  shape: Shape,
  axis: number,
): { values: Int32Array; shape: number[] } {
  const outShape = shape.filter((_, i) => i !== axis);
  const len = shape[axis]!;
  const inner = sizeOf(shape.slice(axis + 1));
  const outer = sizeOf(shape.slice(0, axis));
  const out = allocate('int32', outer * inner);
  const best = allocate('float64', inner);
  const sign = op === 'argmax' ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    const outBase = o * inner;
    for (let j = 0; j < inner; j++) best[j] = sign * x[base + j]!;
    for (let k = 1; k < len; k++) {
      const row = base + k * inner;
      for (let j = 0; j < inner; j++) {
        const v = sign * x[row + j]!;
        const b = best[j]!;
        if (v > b || (Number.isNaN(v) && !Number.isNaN(b))) {
          best[j] = v;
          out[outBase + j] = k;
        }
      }
    }
  }
  return { values: out, shape: outShape };
}
