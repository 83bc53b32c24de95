import {
  type BinaryOp,
  type DType,
  RowCursor,
  type TensorInfo,
  type TypedArray,
  type UnaryOp,
  binaryOutputDType,
  binaryRow,
  broadcastShapes,
  broadcastStrides,
  planStrided,
} from '@gradstream/core';
import * as Op from '../../assembly/opcodes.js';
import type { TensorStore } from '../tensor-store.js';
import { fitsDescriptor, writeStridedDescriptor } from './descriptors.js';

const unaryCodes: Record<Exclude<UnaryOp, 'logicalNot'>, number> = {
  neg: Op.U_NEG,
  abs: Op.U_ABS,
  sign: Op.U_SIGN,
  square: Op.U_SQUARE,
  sqrt: Op.U_SQRT,
  rsqrt: Op.U_RSQRT,
  reciprocal: Op.U_RECIPROCAL,
  exp: Op.U_EXP,
  expm1: Op.U_EXPM1,
  log: Op.U_LOG,
  log1p: Op.U_LOG1P,
  sin: Op.U_SIN,
  cos: Op.U_COS,
  tanh: Op.U_TANH,
  sigmoid: Op.U_SIGMOID,
  relu: Op.U_RELU,
  floor: Op.U_FLOOR,
  ceil: Op.U_CEIL,
  round: Op.U_ROUND,
};

const binaryCodes: Partial<Record<BinaryOp, number>> = {
  add: Op.B_ADD,
  sub: Op.B_SUB,
  mul: Op.B_MUL,
  div: Op.B_DIV,
  pow: Op.B_POW,
  maximum: Op.B_MAXIMUM,
  minimum: Op.B_MINIMUM,
  equal: Op.B_EQUAL,
  notEqual: Op.B_NOT_EQUAL,
  greater: Op.B_GREATER,
  greaterEqual: Op.B_GREATER_EQUAL,
  less: Op.B_LESS,
  lessEqual: Op.B_LESS_EQUAL,
};

/** Integer and bool unary ops, which core only sends for neg/abs/sign/square/relu and logicalNot. */
function unaryScalar(op: UnaryOp, v: number): number {
  switch (op) {
    case 'neg':
      return -v;
    case 'abs':
      return Math.abs(v);
    case 'sign':
      return Math.sign(v);
    case 'square':
      return Math.imul(v, v);
    case 'relu':
      return Math.max(v, 0);
    case 'logicalNot':
      return v === 0 ? 1 : 0;
    default:
      throw new Error(`unreachable: ${op} on integers`);
  }
}

/** Elementwise unary op: float32 runs in wasm, int32 and bool in TypeScript. */
export function unary(ts: TensorStore, op: UnaryOp, x: TensorInfo): TensorInfo {
  const y = ts.alloc(x.shape, op === 'logicalNot' ? 'bool' : x.dtype);
  if (x.dtype === 'float32' && op !== 'logicalNot') {
    ts.rt.call('unary', { op: unaryCodes[op], x: ts.ptr(x), y: ts.ptr(y), n: ts.f32(y).length });
    return y;
  }
  const xs = ts.view(x),
    ys = ts.view(y);
  for (let i = 0; i < xs.length; i++) ys[i] = unaryScalar(op, xs[i]!);
  return y;
}

/**
 * Broadcasting binary op. float32 arithmetic and comparisons run in wasm;
 * int32 and bool (and ranks beyond the descriptor) loop in TypeScript, with
 * int32 results wrapping as in C (the Int32Array store truncates).
 */
export function binary(ts: TensorStore, op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const y = ts.alloc(shape, binaryOutputDType(op, a.dtype));
  if (ts.view(y).length === 0) return y;
  const plan = planStrided(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  const code = binaryCodes[op];
  if (a.dtype === 'float32' && code !== undefined && fitsDescriptor(plan)) {
    ts.rt.call('binary', {
      op: code,
      a: ts.ptr(a),
      b: ts.ptr(b),
      y: ts.ptr(y),
      d: writeStridedDescriptor(ts.rt, plan),
    });
    return y;
  }
  const as = ts.view(a),
    bs = ts.view(b),
    ys = ts.view(y);
  const cursor = new RowCursor(plan);
  const [sa, sb] = cursor.rowStrides as [number, number];
  const n = cursor.rowLength;
  for (let r = 0, o = 0; r < cursor.rows; r++, o += n) {
    binaryRow(op, a.dtype, ys, o, as, cursor.offsets[0]!, sa, bs, cursor.offsets[1]!, sb, n);
    cursor.next();
  }
  return y;
}

/** cond ? a : b with broadcasting; 4-byte dtypes run in wasm, bool in TypeScript. */
export function where(ts: TensorStore, cond: TensorInfo, a: TensorInfo, b: TensorInfo): TensorInfo {
  const shape = broadcastShapes('where', cond.shape, a.shape, b.shape);
  const y = ts.alloc(shape, a.dtype);
  if (ts.view(y).length === 0) return y;
  const plan = planStrided(
    shape,
    [cond.shape, a.shape, b.shape].map((s) => broadcastStrides(s, shape)),
  );
  if (a.dtype !== 'bool' && fitsDescriptor(plan)) {
    ts.rt.call('where32', {
      cond: ts.ptr(cond),
      a: ts.ptr(a),
      b: ts.ptr(b),
      y: ts.ptr(y),
      d: writeStridedDescriptor(ts.rt, plan),
    });
    return y;
  }
  const cs = ts.view(cond),
    as = ts.view(a),
    bs = ts.view(b),
    ys = ts.view(y);
  const cursor = new RowCursor(plan);
  const [sc, sa, sb] = cursor.rowStrides as [number, number, number];
  const n = cursor.rowLength;
  for (let r = 0, o = 0; r < cursor.rows; r++, cursor.next()) {
    const [ic, ia, ib] = cursor.offsets as [number, number, number];
    for (let j = 0; j < n; j++, o++) ys[o] = cs[ic + j * sc] !== 0 ? as[ia + j * sa]! : bs[ib + j * sb]!;
  }
  return y;
}

/** Converts dtypes: to bool is x ≠ 0, float to int32 truncates toward zero (the Int32Array store does). */
export function cast(ts: TensorStore, x: TensorInfo, dtype: DType): TensorInfo {
  const y = ts.alloc(x.shape, dtype);
  if (x.dtype === 'bool' && dtype === 'float32') {
    ts.rt.call('u8ToF32', { x: ts.ptr(x), y: ts.ptr(y), n: ts.f32(y).length });
    return y;
  }
  const xs = ts.view(x),
    ys: TypedArray = ts.view(y);
  if (dtype === 'bool') {
    for (let i = 0; i < xs.length; i++) ys[i] = xs[i] !== 0 ? 1 : 0;
  } else {
    ys.set(xs);
  }
  return y;
}
