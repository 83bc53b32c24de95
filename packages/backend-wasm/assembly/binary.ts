// Float32 binary kernels with broadcasting. The TypeScript side collapses the
// broadcast into a strided-loop descriptor; here each innermost row runs a
// SIMD loop specialized for the common stride patterns (both contiguous, or
// one operand constant along the row). pow stays scalar: exp(b·log a) in
// float32 loses too many digits for large results.

import * as B from './opcodes';
import { at4 } from './mem';
import { innerStride, offA, offB, offC, rowLength, seekRow } from './strided';

@inline function vecOp(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B.B_ADD: return f32x4.add(a, b);
    case B.B_SUB: return f32x4.sub(a, b);
    case B.B_MUL: return f32x4.mul(a, b);
    case B.B_DIV: return f32x4.div(a, b);
    case B.B_MAXIMUM: return f32x4.max(a, b);
    // The mask as 1.0 or 0.0 times dy, so the result is the composed mul's, −0 and NaN included.
    case B.B_RELU_GRAD: return f32x4.mul(a, v128.and(f32x4.gt(b, f32x4.splat(0)), f32x4.splat(1)));
    default: return f32x4.min(a, b);
  }
}

@inline function scalarOp(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case B.B_ADD: return a + b;
    case B.B_SUB: return a - b;
    case B.B_MUL: return a * b;
    case B.B_DIV: return a / b;
    case B.B_MAXIMUM: return Mathf.max(a, b);
    case B.B_MINIMUM: return Mathf.min(a, b);
    case B.B_RELU_GRAD: return a * (b > 0 ? <f32>1 : <f32>0);
    default: return Mathf.pow(a, b);
  }
}

@inline function compare(op: i32, a: f32, b: f32): u8 {
  switch (op) {
    case B.B_EQUAL: return <u8>(a == b);
    case B.B_NOT_EQUAL: return <u8>(a != b);
    case B.B_GREATER: return <u8>(a > b);
    case B.B_GREATER_EQUAL: return <u8>(a >= b);
    case B.B_LESS: return <u8>(a < b);
    default: return <u8>(a <= b);
  }
}

@inline function arithmeticRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32, simd: bool): void {
  let i = 0;
  if (simd && sa == 1 && sb == 1) {
    for (; i + 4 <= n; i += 4) v128.store(at4(y, i), vecOp(op, v128.load(at4(a, i)), v128.load(at4(b, i))));
  } else if (simd && sa == 1 && sb == 0) {
    const vb = v128.load32_splat(b);
    for (; i + 4 <= n; i += 4) v128.store(at4(y, i), vecOp(op, v128.load(at4(a, i)), vb));
  } else if (simd && sa == 0 && sb == 1) {
    const va = v128.load32_splat(a);
    for (; i + 4 <= n; i += 4) v128.store(at4(y, i), vecOp(op, va, v128.load(at4(b, i))));
  }
  for (; i < n; i++) store<f32>(at4(y, i), scalarOp(op, load<f32>(at4(a, i * sa)), load<f32>(at4(b, i * sb))));
}

@inline function arithmetic(op: i32, a: usize, b: usize, y: usize, d: usize, r0: i32, r1: i32, simd: bool): void {
  const n = rowLength(d);
  const sa = innerStride(d, 0), sb = innerStride(d, 1);
  for (let r = r0; r < r1; r++) {
    seekRow(d, r);
    arithmeticRow(op, at4(a, offA), sa, at4(b, offB), sb, at4(y, r * n), n, simd);
  }
}

@inline function compareVec(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B.B_EQUAL: return f32x4.eq(a, b);
    case B.B_NOT_EQUAL: return f32x4.ne(a, b);
    case B.B_GREATER: return f32x4.gt(a, b);
    case B.B_GREATER_EQUAL: return f32x4.ge(a, b);
    case B.B_LESS: return f32x4.lt(a, b);
    default: return f32x4.le(a, b);
  }
}

/** Four floats from p, or one repeated when the row's stride is 0. */
@inline function lanes(p: usize, i: i32, stride: i32): v128 {
  return stride == 0 ? v128.load32_splat(p) : v128.load(at4(p, i));
}

@inline function comparison(op: i32, a: usize, b: usize, y: usize, d: usize, r0: i32, r1: i32): void {
  const n = rowLength(d);
  const sa = innerStride(d, 0), sb = innerStride(d, 1);
  // Strides 0 and 1 (contiguous or broadcast along the row) go 16 at a time:
  // four lane masks (−1 or 0) narrowed to bytes, then masked to 1 or 0.
  const simd = sa <= 1 && sb <= 1;
  for (let r = r0; r < r1; r++) {
    seekRow(d, r);
    const pa = at4(a, offA), pb = at4(b, offB), py = y + <usize>(r * n);
    let i = 0;
    if (simd) {
      for (; i + 16 <= n; i += 16) {
        const m0 = compareVec(op, lanes(pa, i, sa), lanes(pb, i, sb));
        const m1 = compareVec(op, lanes(pa, i + 4, sa), lanes(pb, i + 4, sb));
        const m2 = compareVec(op, lanes(pa, i + 8, sa), lanes(pb, i + 8, sb));
        const m3 = compareVec(op, lanes(pa, i + 12, sa), lanes(pb, i + 12, sb));
        const bytes = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
        v128.store(py + <usize>i, v128.and(bytes, i8x16.splat(1)));
      }
    }
    for (; i < n; i++) store<u8>(py + <usize>i, compare(op, load<f32>(at4(pa, i * sa)), load<f32>(at4(pb, i * sb))));
  }
}

/**
 * y = a op b with broadcasting described by d, over the loop nest's
 * innermost rows [r0, r1) (threads take ranges of rows); y is float32, or
 * bool (u8) for comparisons.
 */
export function binary(op: i32, a: usize, b: usize, y: usize, d: usize, r0: i32, r1: i32): void {
  switch (op) {
    case B.B_ADD: arithmetic(B.B_ADD, a, b, y, d, r0, r1, true); break;
    case B.B_SUB: arithmetic(B.B_SUB, a, b, y, d, r0, r1, true); break;
    case B.B_MUL: arithmetic(B.B_MUL, a, b, y, d, r0, r1, true); break;
    case B.B_DIV: arithmetic(B.B_DIV, a, b, y, d, r0, r1, true); break;
    case B.B_MAXIMUM: arithmetic(B.B_MAXIMUM, a, b, y, d, r0, r1, true); break;
    case B.B_MINIMUM: arithmetic(B.B_MINIMUM, a, b, y, d, r0, r1, true); break;
    case B.B_POW: arithmetic(B.B_POW, a, b, y, d, r0, r1, false); break;
    case B.B_RELU_GRAD: arithmetic(B.B_RELU_GRAD, a, b, y, d, r0, r1, true); break;
    case B.B_EQUAL: comparison(B.B_EQUAL, a, b, y, d, r0, r1); break;
    case B.B_NOT_EQUAL: comparison(B.B_NOT_EQUAL, a, b, y, d, r0, r1); break;
    case B.B_GREATER: comparison(B.B_GREATER, a, b, y, d, r0, r1); break;
    case B.B_GREATER_EQUAL: comparison(B.B_GREATER_EQUAL, a, b, y, d, r0, r1); break;
    case B.B_LESS: comparison(B.B_LESS, a, b, y, d, r0, r1); break;
    default: comparison(B.B_LESS_EQUAL, a, b, y, d, r0, r1); break;
  }
}

/** y = cond ? a : b for 4-byte elements (float32 or int32), broadcast by d (A = cond, B = a, C = b), rows [r0, r1). */
export function where32(cond: usize, a: usize, b: usize, y: usize, d: usize, r0: i32, r1: i32): void {
  const n = rowLength(d);
  const sc = innerStride(d, 0), sa = innerStride(d, 1), sb = innerStride(d, 2);
  // A contiguous cond row with a and b contiguous or broadcast: four bytes of
  // cond widened to lane masks select four elements at once.
  const simd = sc == 1 && sa <= 1 && sb <= 1;
  for (let r = r0; r < r1; r++) {
    seekRow(d, r);
    const pc = cond + <usize>offA;
    const pa = at4(a, offB), pb = at4(b, offC), py = at4(y, r * n);
    let i = 0;
    if (simd) {
      for (; i + 4 <= n; i += 4) {
        const c = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(pc + <usize>i)));
        v128.store(at4(py, i), v128.bitselect(lanes(pa, i, sa), lanes(pb, i, sb), i32x4.ne(c, i32x4.splat(0))));
      }
    }
    for (; i < n; i++) {
      const v = load<u8>(pc + <usize>(i * sc)) != 0 ? load<u32>(at4(pa, i * sa)) : load<u32>(at4(pb, i * sb));
      store<u32>(at4(py, i), v);
    }
  }
}
