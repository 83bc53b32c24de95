// Float32 reductions. The input is walked once in memory order; the output
// offset comes from a descriptor whose output strides are 0 along reduced
// axes, so any set of axes works without transposing. A reduced innermost
// row folds into one value with SIMD; a kept innermost row accumulates into
// the output row lane by lane.

import * as R from './opcodes';
import { at4 } from './mem';
import { innerStride, offA, offB, rowLength, seekRow } from './strided';

@inline function vecOp(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case R.R_SUM: return f32x4.add(a, b);
    case R.R_MAX: return f32x4.max(a, b);
    default: return f32x4.min(a, b);
  }
}

@inline function scalarOp(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case R.R_SUM: return a + b;
    case R.R_MAX: return Mathf.max(a, b);
    default: return Mathf.min(a, b);
  }
}

@inline function identity(op: i32): f32 {
  switch (op) {
    case R.R_SUM: return 0;
    case R.R_MAX: return -Infinity;
    default: return Infinity;
  }
}

/** Folds n contiguous floats into one; four vector accumulators keep sums accurate and the pipeline full. */
@inline export function foldRow(op: i32, x: usize, n: i32): f32 {
  const init = f32x4.splat(identity(op));
  let v0 = init, v1 = init, v2 = init, v3 = init;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    v0 = vecOp(op, v0, v128.load(at4(x, i)));
    v1 = vecOp(op, v1, v128.load(at4(x, i + 4)));
    v2 = vecOp(op, v2, v128.load(at4(x, i + 8)));
    v3 = vecOp(op, v3, v128.load(at4(x, i + 12)));
  }
  for (; i + 4 <= n; i += 4) v0 = vecOp(op, v0, v128.load(at4(x, i)));
  const v = vecOp(op, vecOp(op, v0, v1), vecOp(op, v2, v3));
  let s = scalarOp(op,
    scalarOp(op, f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    scalarOp(op, f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
  for (; i < n; i++) s = scalarOp(op, s, load<f32>(at4(x, i)));
  return s;
}

@inline function run(op: i32, x: usize, y: usize, d: usize, r0: i32, r1: i32): void {
  const n = rowLength(d);
  const keptInner = innerStride(d, 1) != 0;
  for (let r = r0; r < r1; r++) {
    seekRow(d, r);
    const px = at4(x, offA), py = at4(y, offB);
    if (keptInner) {
      let i = 0;
      for (; i + 4 <= n; i += 4) v128.store(at4(py, i), vecOp(op, v128.load(at4(py, i)), v128.load(at4(px, i))));
      for (; i < n; i++) store<f32>(at4(py, i), scalarOp(op, load<f32>(at4(py, i)), load<f32>(at4(px, i))));
    } else {
      store<f32>(py, scalarOp(op, load<f32>(py), foldRow(op, px, n)));
    }
  }
}

/**
 * Folds rows [r0, r1) of x's loop nest into y along the axes whose output
 * stride in d is 0; y holds the op's identity (or a partial result) already.
 * Threads take row ranges that touch disjoint elements of y.
 */
export function reduce(op: i32, x: usize, y: usize, d: usize, r0: i32, r1: i32): void {
  switch (op) {
    case R.R_SUM: run(R.R_SUM, x, y, d, r0, r1); break;
    case R.R_MAX: run(R.R_MAX, x, y, d, r0, r1); break;
    default: run(R.R_MIN, x, y, d, r0, r1); break;
  }
}

@inline function better(op: i32, v: f32, best: f32): bool {
  // NaN counts as the extreme (as in PyTorch); the first extreme wins ties.
  if (best != best) return false;
  if (v != v) return true;
  return op == R.A_ARGMAX ? v > best : v < best;
}

@inline function argRun(op: i32, x: usize, y: usize, outer: i32, axisSize: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    const base = o * axisSize * inner;
    for (let j = 0; j < inner; j++) {
      let best = load<f32>(at4(x, base + j));
      let at = 0;
      for (let r = 1; r < axisSize; r++) {
        const v = load<f32>(at4(x, base + r * inner + j));
        if (better(op, v, best)) {
          best = v;
          at = r;
        }
      }
      store<i32>(at4(y, o * inner + j), at);
    }
  }
}

/** int32 index of the max/min along the middle axis of an outer×R×inner float32 tensor. */
export function argReduce(op: i32, x: usize, y: usize, outer: i32, axisSize: i32, inner: i32): void {
  if (op == R.A_ARGMAX) argRun(R.A_ARGMAX, x, y, outer, axisSize, inner);
  else argRun(R.A_ARGMIN, x, y, outer, axisSize, inner);
}
