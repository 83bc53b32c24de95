// Float32 elementwise unary kernels. Ops with a SIMD instruction run four
// lanes at a time, as do exp, log and tanh (polynomials); the other
// transcendental ones use the scalar libm ports.

import * as U from './opcodes';
import { at4 } from './mem';
import { expv } from './vexp';
import { logv } from './vlog';
import { tanhv } from './vtanh';

@inline function vecOp(op: i32, x: v128): v128 {
  switch (op) {
    case U.U_NEG: return f32x4.neg(x);
    case U.U_ABS: return f32x4.abs(x);
    case U.U_SQUARE: return f32x4.mul(x, x);
    case U.U_SQRT: return f32x4.sqrt(x);
    case U.U_RSQRT: return f32x4.div(f32x4.splat(1), f32x4.sqrt(x));
    case U.U_RECIPROCAL: return f32x4.div(f32x4.splat(1), x);
    case U.U_RELU: return f32x4.max(x, f32x4.splat(0));
    case U.U_FLOOR: return f32x4.floor(x);
    case U.U_CEIL: return f32x4.ceil(x);
    case U.U_ROUND: return f32x4.nearest(x);
    case U.U_EXP: return expv(x);
    case U.U_LOG: return logv(x);
    case U.U_TANH: return tanhv(x);
    case U.U_SIGMOID: return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expv(f32x4.neg(x))));
    default: {
      // sign: ±1 where x ≠ 0, x itself for ±0 and NaN.
      const pos = f32x4.gt(x, f32x4.splat(0));
      const neg = f32x4.lt(x, f32x4.splat(0));
      const s = v128.or(v128.and(pos, f32x4.splat(1)), v128.and(neg, f32x4.splat(-1)));
      return v128.bitselect(s, x, v128.or(pos, neg));
    }
  }
}

@inline function scalarOp(op: i32, x: f32): f32 {
  switch (op) {
    case U.U_NEG: return -x;
    case U.U_ABS: return Mathf.abs(x);
    case U.U_SQUARE: return x * x;
    case U.U_SQRT: return Mathf.sqrt(x);
    case U.U_RSQRT: return 1 / Mathf.sqrt(x);
    case U.U_RECIPROCAL: return 1 / x;
    case U.U_RELU: return Mathf.max(x, 0);
    case U.U_FLOOR: return Mathf.floor(x);
    case U.U_CEIL: return Mathf.ceil(x);
    case U.U_ROUND: return nearest<f32>(x);
    case U.U_SIGN: return x > 0 ? 1 : x < 0 ? -1 : x;
    case U.U_EXP: return Mathf.exp(x);
    case U.U_EXPM1: return Mathf.expm1(x);
    case U.U_LOG: return Mathf.log(x);
    case U.U_LOG1P: return Mathf.log1p(x);
    case U.U_SIN: return Mathf.sin(x);
    case U.U_COS: return Mathf.cos(x);
    case U.U_TANH: return Mathf.tanh(x);
    default: return 1 / (1 + Mathf.exp(-x));
  }
}

@inline function vectorLoop(op: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at4(y, i), vecOp(op, v128.load(at4(x, i))));
  for (; i < n; i++) store<f32>(at4(y, i), scalarOp(op, load<f32>(at4(x, i))));
}

@inline function scalarLoop(op: i32, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(at4(y, i), scalarOp(op, load<f32>(at4(x, i))));
}

/** y = op(x) over n float32 elements. */
export function unary(op: i32, x: usize, y: usize, n: i32): void {
  switch (op) {
    case U.U_NEG: vectorLoop(U.U_NEG, x, y, n); break;
    case U.U_ABS: vectorLoop(U.U_ABS, x, y, n); break;
    case U.U_SIGN: vectorLoop(U.U_SIGN, x, y, n); break;
    case U.U_SQUARE: vectorLoop(U.U_SQUARE, x, y, n); break;
    case U.U_SQRT: vectorLoop(U.U_SQRT, x, y, n); break;
    case U.U_RSQRT: vectorLoop(U.U_RSQRT, x, y, n); break;
    case U.U_RECIPROCAL: vectorLoop(U.U_RECIPROCAL, x, y, n); break;
    case U.U_RELU: vectorLoop(U.U_RELU, x, y, n); break;
    case U.U_FLOOR: vectorLoop(U.U_FLOOR, x, y, n); break;
    case U.U_CEIL: vectorLoop(U.U_CEIL, x, y, n); break;
    case U.U_ROUND: vectorLoop(U.U_ROUND, x, y, n); break;
    case U.U_EXP: vectorLoop(U.U_EXP, x, y, n); break;
    case U.U_EXPM1: scalarLoop(U.U_EXPM1, x, y, n); break;
    case U.U_LOG: vectorLoop(U.U_LOG, x, y, n); break;
    case U.U_LOG1P: scalarLoop(U.U_LOG1P, x, y, n); break;
    case U.U_SIN: scalarLoop(U.U_SIN, x, y, n); break;
    case U.U_COS: scalarLoop(U.U_COS, x, y, n); break;
    case U.U_TANH: vectorLoop(U.U_TANH, x, y, n); break;
    default: vectorLoop(U.U_SIGMOID, x, y, n); break;
  }
}
