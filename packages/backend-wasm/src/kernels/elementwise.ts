import type { BinaryOp, DType, TensorInfo, TypedArray, UnaryOp } from '@gradstream/core';
import * as Op from '../../assembly/opcodes.js';
import type { TensorStore } from '../tensor-store.js';
import { fitsDescriptor, writeStridedDescriptor } from './descriptors.js';
import { broadcastShape, broadcastStrides, forEachRow, planStrided } from './strided.js';

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

const boolResults: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  'equal',
  'notEqual',
  'greater',
  'greaterEqual',
  'less',
  'lessEqual',
  'logicalAnd',
  'logicalOr',
]);

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
    ts.rt.exports.unary(unaryCodes[op], ts.ptr(x), ts.ptr(y), ts.f32(y).length);
    return y;
  }
  const xs = ts.view(x),
    ys = ts.view(y);
  for (let i = 0; i < xs.length; i++) ys[i] = unaryScalar(op, xs[i]!);
  return y;
}

function binaryScalar(op: BinaryOp, a: number, b: number, integer: boolean): number {
  switch (op) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return integer ? Math.imul(a, b) : a * b;
    case 'div':
      return a / b;
    case 'pow':
      return a ** b;
    case 'maximum':
      return Math.max(a, b);
    case 'minimum':
      return Math.min(a, b);
    case 'equal':
      return a === b ? 1 : 0;
    case 'notEqual':
      return a !== b ? 1 : 0;
    case 'greater':
      return a > b ? 1 : 0;
    case 'greaterEqual':
      return a >= b ? 1 : 0;
    case 'less':
      return a < b ? 1 : 0;
    case 'lessEqual':
      return a <= b ? 1 : 0;
    case 'logicalAnd':
      return a !== 0 && b !== 0 ? 1 : 0;
    case 'logicalOr':
      return a !== 0 || b !== 0 ? 1 : 0;
  }
}

/**
 * Broadcasting binary op. float32 arithmetic and comparisons run in wasm;
 * int32 and bool (and ranks beyond the descriptor) loop in TypeScript, with
 * int32 results wrapping as in C (the Int32Array store truncates).
 */
export function binary(ts: TensorStore, op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
  const shape = broadcastShape(a.shape, b.shape);
  const y = ts.alloc(shape, boolResults.has(op) ? 'bool' : a.dtype);
  if (ts.view(y).length === 0) return y;
  const plan = planStrided(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  const code = binaryCodes[op];
  if (a.dtype === 'float32' && code !== undefined && fitsDescriptor(plan)) {
    ts.rt.exports.binary(code, ts.ptr(a), ts.ptr(b), ts.ptr(y), writeStridedDescriptor(ts.rt, plan));
    return y;
  }
  const as = ts.view(a),
    bs = ts.view(b),
    ys = ts.view(y);
  const n = plan.shape[plan.shape.length - 1]!;
  const [sa, sb] = plan.strides.map((s) => s[s.length - 1]!) as [number, number];
  const integer = a.dtype === 'int32';
  forEachRow(plan, ([ia, ib], r) => {
    for (let j = 0, o = r * n; j < n; j++, o++) ys[o] = binaryScalar(op, as[ia! + j * sa]!, bs[ib! + j * sb]!, integer);
  });
  return y;
}

/** cond ? a : b with broadcasting; 4-byte dtypes run in wasm, bool in TypeScript. */
export function where(ts: TensorStore, cond: TensorInfo, a: TensorInfo, b: TensorInfo): TensorInfo {
  const shape = broadcastShape(cond.shape, a.shape, b.shape);
  const y = ts.alloc(shape, a.dtype);
  if (ts.view(y).length === 0) return y;
  const plan = planStrided(
    shape,
    [cond.shape, a.shape, b.shape].map((s) => broadcastStrides(s, shape)),
  );
  if (a.dtype !== 'bool' && fitsDescriptor(plan)) {
    ts.rt.exports.where32(ts.ptr(cond), ts.ptr(a), ts.ptr(b), ts.ptr(y), writeStridedDescriptor(ts.rt, plan));
    return y;
  }
  const cs = ts.view(cond),
    as = ts.view(a),
    bs = ts.view(b),
    ys = ts.view(y);
  const n = plan.shape[plan.shape.length - 1]!;
  const [sc, sa, sb] = plan.strides.map((s) => s[s.length - 1]!) as [number, number, number];
  forEachRow(plan, ([ic, ia, ib], r) => {
    for (let j = 0, o = r * n; j < n; j++, o++) ys[o] = cs[ic! + j * sc] !== 0 ? as[ia! + j * sa]! : bs[ib! + j * sb]!;
  });
  return y;
}

/** Converts dtypes: to bool is x ≠ 0, float to int32 truncates toward zero (the Int32Array store does). */
export function cast(ts: TensorStore, x: TensorInfo, dtype: DType): TensorInfo {
  const y = ts.alloc(x.shape, dtype);
  const xs = ts.view(x),
    ys: TypedArray = ts.view(y);
  if (dtype === 'bool') {
    for (let i = 0; i < xs.length; i++) ys[i] = xs[i] !== 0 ? 1 : 0;
  } else {
    ys.set(xs);
  }
  return y;
}
