import { RowCursor, type StridedPlan, type TensorInfo, planStrided, sizeOf, stridesOf } from '@gradstream/core';
import type { TensorStore } from '../tensor-store.js';
import { fitsDescriptor, writeStridedDescriptor } from './descriptors.js';
import { splitRange, threadsFor } from './parallel.js';

// Layout kernels move bytes without arithmetic. 4-byte dtypes go through the
// wasm strided copy; bool (and ranks beyond its descriptor) through views of
// linear memory, with TypedArray.set (a memmove) for contiguous runs.

/**
 * What one scattered element weighs against the threshold threadsFor applies
 * to multiply-adds: a load, a compare and a read-modify-write, and a split by
 * destination makes every thread read all the indices.
 */
const SCATTER_FLOPS = 8;

/** Copies with wasm when it can: source offset `from` and destination offset `to` in elements. */
function copyInWasm(
  ts: TensorStore,
  x: TensorInfo,
  from: number,
  y: TensorInfo,
  to: number,
  plan: StridedPlan,
): boolean {
  if (x.dtype === 'bool' || !fitsDescriptor(plan)) return false;
  ts.rt.call('copy32', { x: ts.ptr(x) + from * 4, y: ts.ptr(y) + to * 4, d: writeStridedDescriptor(ts.rt, plan) });
  return true;
}

/** Output dim i = x dim perm[i]. */
export function transpose(ts: TensorStore, x: TensorInfo, perm: readonly number[]): TensorInfo {
  const shape = perm.map((p) => x.shape[p]!);
  const y = ts.alloc(shape, x.dtype);
  const xs = ts.view(x),
    ys = ts.view(y);
  if (ys.length === 0) return y;
  const xStrides = stridesOf(x.shape);
  if (copyInWasm(ts, x, 0, y, 0, planStrided(shape, [perm.map((p) => xStrides[p]!), stridesOf(shape)]))) return y;
  const cursor = new RowCursor(planStrided(shape, [perm.map((p) => xStrides[p]!)]));
  const n = cursor.rowLength;
  const s = cursor.rowStrides[0]!;
  for (let r = 0, o = 0; r < cursor.rows; r++, o += n, cursor.next()) {
    const ix = cursor.offsets[0]!;
    if (s === 1) ys.set(xs.subarray(ix, ix + n), o);
    else for (let j = 0; j < n; j++) ys[o + j] = xs[ix + j * s]!;
  }
  return y;
}

/** Contiguous block starting at `begin`. */
export function slice(ts: TensorStore, x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo {
  const y = ts.alloc(size, x.dtype);
  const xs = ts.view(x),
    ys = ts.view(y);
  if (ys.length === 0) return y;
  const xStrides = stridesOf(x.shape);
  const start = begin.reduce((acc, b, i) => acc + b * xStrides[i]!, 0);
  if (copyInWasm(ts, x, start, y, 0, planStrided(size, [xStrides, stridesOf(size)]))) return y;
  const cursor = new RowCursor(planStrided(size, [xStrides]), [start]);
  const n = cursor.rowLength;
  const s = cursor.rowStrides[0]!;
  for (let r = 0, o = 0; r < cursor.rows; r++, o += n, cursor.next()) {
    const from = cursor.offsets[0]!;
    if (s === 1) ys.set(xs.subarray(from, from + n), o);
    else for (let j = 0; j < n; j++) ys[o + j] = xs[from + j * s]!;
  }
  return y;
}

/** Constant padding: fill with `value`, then copy x into the interior. */
export function pad(
  ts: TensorStore,
  x: TensorInfo,
  paddings: readonly (readonly [number, number])[],
  value: number,
): TensorInfo {
  const shape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const y = ts.alloc(shape, x.dtype);
  const xs = ts.view(x),
    ys = ts.view(y);
  ys.fill(x.dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
  if (xs.length === 0) return y;
  const yStrides = stridesOf(shape);
  const start = paddings.reduce((acc, [before], i) => acc + before * yStrides[i]!, 0);
  if (copyInWasm(ts, x, 0, y, start, planStrided(x.shape, [stridesOf(x.shape), yStrides]))) return y;
  const cursor = new RowCursor(planStrided(x.shape, [yStrides]), [start]);
  const n = cursor.rowLength;
  const s = cursor.rowStrides[0]!;
  for (let r = 0, from = 0; r < cursor.rows; r++, from += n, cursor.next()) {
    const to = cursor.offsets[0]!;
    if (s === 1) ys.set(xs.subarray(from, from + n), to);
    else for (let j = 0; j < n; j++) ys[to + j * s] = xs[from + j]!;
  }
  return y;
}

/** Joins along `axis`: each input is a run of `outer` blocks copied into its column band. */
export function concat(ts: TensorStore, xs: readonly TensorInfo[], axis: number): TensorInfo {
  const first = xs[0]!;
  const shape = [...first.shape];
  shape[axis] = xs.reduce((acc, x) => acc + x.shape[axis]!, 0);
  const y = ts.alloc(shape, first.dtype);
  const ys = ts.view(y);
  if (ys.length === 0) return y;
  const outer = sizeOf(shape.slice(0, axis));
  const rowLength = ys.length / outer;
  let offset = 0;
  for (const x of xs) {
    const src = ts.view(x);
    const block = src.length / outer;
    for (let o = 0; o < outer; o++) ys.set(src.subarray(o * block, (o + 1) * block), o * rowLength + offset);
    offset += block;
  }
  return y;
}

function axisSplit(shape: readonly number[], axis: number): { outer: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), inner: sizeOf(shape.slice(axis + 1)) };
}

/** NumPy `take` along `axis`. */
export function gather(ts: TensorStore, x: TensorInfo, indices: TensorInfo, axis: number): TensorInfo {
  const y = ts.alloc([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
  const xs = ts.view(x),
    ys = ts.view(y),
    idx = ts.i32(indices);
  if (ys.length === 0) return y;
  const { outer, inner } = axisSplit(x.shape, axis);
  const axisSize = x.shape[axis]!;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const from = (o * axisSize + idx[j]!) * inner;
      ys.set(xs.subarray(from, from + inner), (o * idx.length + j) * inner);
    }
  }
  return y;
}

/** Adjoint of gather: slices of dy added into a zero tensor at their indices. */
export function scatterAdd(
  ts: TensorStore,
  dy: TensorInfo,
  indices: TensorInfo,
  axis: number,
  axisSize: number,
): TensorInfo {
  const count = sizeOf(indices.shape);
  const shape = [...dy.shape.slice(0, axis), axisSize, ...dy.shape.slice(axis + indices.shape.length)];
  const y = ts.alloc(shape, dy.dtype);
  const ys = ts.view(y);
  if (ys.length === 0) return y;
  const { outer, inner } = axisSplit(shape, axis);
  // float32 is every gradient (max-pool backward included): one wasm call per
  // thread however short the rows. Threads split the outer rows when there
  // are enough, else the destination positions (max-pool backward: outer = 1).
  // int32 keeps the plain loop.
  if (dy.dtype === 'float32') {
    const threads = threadsFor(outer * count * inner * SCATTER_FLOPS, ts.rt);
    const byOuter = outer >= threads;
    const args = { dy: ts.ptr(dy), idx: ts.ptr(indices), y: ts.ptr(y), outer, count, axisSize, inner };
    ts.rt.parallel(
      'scatterAdd32',
      splitRange(byOuter ? outer : axisSize, threads).map(([s, e]) =>
        byOuter ? { ...args, o0: s, o1: e, d0: 0, d1: axisSize } : { ...args, o0: 0, o1: outer, d0: s, d1: e },
      ),
    );
    return y;
  }
  ys.fill(0);
  const ds = ts.view(dy),
    idx = ts.i32(indices);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const to = (o * axisSize + idx[j]!) * inner;
      const from = (o * count + j) * inner;
      for (let k = 0; k < inner; k++) ys[to + k]! += ds[from + k]!;
    }
  }
  return y;
}
