import {
  type ArgReduceOp,
  type ReduceOp,
  RowCursor,
  type TensorInfo,
  type StridedPlan,
  planStrided,
  sizeOf,
  stridesOf,
} from '@gradstream/core';
import * as Op from '../../assembly/opcodes.js';
import type { TensorStore } from '../tensor-store.js';
import { fitsDescriptor, rowCount, writeStridedDescriptor } from './descriptors.js';
import { splitRange, threadsFor } from './parallel.js';

const reduceCodes: Record<ReduceOp, number> = { sum: Op.R_SUM, max: Op.R_MAX, min: Op.R_MIN };

/** The value a reduction starts from: what an empty reduction gives. */
function identityOf(op: ReduceOp): number {
  return op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
}

/** What one reduced element weighs against the threshold threadsFor applies to multiply-adds (a streamed add). */
const REDUCE_FLOPS = 4;

/**
 * The loop nest with its largest kept outer dimension (output stride ≠ 0)
 * moved outermost, so that ranges of whole multiples of `rowsPerOutput` rows
 * write disjoint outputs; rowsPerOutput is 0 when only the innermost
 * dimension is kept (nothing to split). The rows touching one output keep
 * their order, so each output is folded exactly as in the original walk.
 */
function keptOuterFirst(plan: StridedPlan): { walk: StridedPlan; rowsPerOutput: number } {
  const [xs, ys] = plan.strides as [readonly number[], readonly number[]];
  const outer = plan.shape.length - 1;
  let k = -1;
  for (let i = 0; i < outer; i++) if (ys[i] !== 0 && (k < 0 || plan.shape[i]! > plan.shape[k]!)) k = i;
  if (k < 0) return { walk: plan, rowsPerOutput: 0 };
  const order = [k, ...plan.shape.map((_, i) => i).filter((i) => i !== k)];
  const walk = {
    shape: order.map((i) => plan.shape[i]!),
    strides: [order.map((i) => xs[i]!), order.map((i) => ys[i]!)],
  };
  return { walk, rowsPerOutput: rowCount(plan) / plan.shape[k]! };
}

/**
 * Reduction over sorted axes. The loop nest walks x in memory order with
 * output strides that are 0 along reduced axes, so no transpose is needed.
 */
export function reduce(ts: TensorStore, op: ReduceOp, x: TensorInfo, axes: readonly number[]): TensorInfo {
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const y = ts.alloc(outShape, x.dtype);
  const ySize = ts.view(y).length;
  if (ySize === 0) return y;
  const keptStrides = stridesOf(outShape);
  let k = 0;
  const yStrides = x.shape.map((_, i) => (axes.includes(i) ? 0 : keptStrides[k++]!));
  const plan = planStrided(x.shape, [stridesOf(x.shape), yStrides]);
  if (ts.view(x).length === 0) {
    ts.view(y).fill(identityOf(op));
    return y;
  }
  if (x.dtype === 'float32' && fitsDescriptor(plan)) {
    ts.f32(y).fill(identityOf(op));
    const threads = threadsFor(ts.view(x).length * REDUCE_FLOPS, ts.rt);
    const { walk, rowsPerOutput } = threads > 1 ? keptOuterFirst(plan) : { walk: plan, rowsPerOutput: 0 };
    const d = writeStridedDescriptor(ts.rt, walk);
    const rows = rowCount(walk);
    const ranges = rowsPerOutput > 0 ? splitRange(rows, threads, rowsPerOutput) : [[0, rows] as [number, number]];
    ts.rt.parallel(
      'reduce',
      ranges.map(([r0, r1]) => ({ op: reduceCodes[op], x: ts.ptr(x), y: ts.ptr(y), d, r0, r1 })),
    );
    return y;
  }
  const xs = ts.view(x),
    ys = ts.view(y);
  const init = identityOf(op);
  const acc = new Float64Array(ySize).fill(init);
  const cursor = new RowCursor(plan);
  const [sx, sy] = cursor.rowStrides as [number, number];
  const n = cursor.rowLength;
  for (let r = 0; r < cursor.rows; r++, cursor.next()) {
    const [ix, iy] = cursor.offsets as [number, number];
    for (let j = 0; j < n; j++) {
      const v = xs[ix + j * sx]!,
        o = iy + j * sy;
      acc[o] = op === 'sum' ? acc[o]! + v : op === 'max' ? Math.max(acc[o]!, v) : Math.min(acc[o]!, v);
    }
  }
  ys.set(acc);
  return y;
}

/** Index of the max/min along one axis (first on ties, NaN counts as the extreme). */
export function argReduce(ts: TensorStore, op: ArgReduceOp, x: TensorInfo, axis: number): TensorInfo {
  const y = ts.alloc(
    x.shape.filter((_, i) => i !== axis),
    'int32',
  );
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const r = x.shape[axis]!;
  if (outer * inner === 0) return y;
  if (x.dtype === 'float32') {
    ts.rt.call('argReduce', {
      op: op === 'argmax' ? Op.A_ARGMAX : Op.A_ARGMIN,
      x: ts.ptr(x),
      y: ts.ptr(y),
      outer,
      axisSize: r,
      inner,
    });
    return y;
  }
  const xs = ts.view(x),
    ys = ts.view(y);
  const sign = op === 'argmax' ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * r * inner + j;
      let best = xs[base]!,
        at = 0;
      for (let i = 1; i < r; i++) {
        const v = xs[base + i * inner]!;
        if (sign * (v - best) > 0) {
          best = v;
          at = i;
        }
      }
      ys[o * inner + j] = at;
    }
  }
  return y;
}
