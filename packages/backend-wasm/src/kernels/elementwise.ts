import {
  type BinaryOp,
  type DType,
  RowCursor,
  type TensorInfo,
  type TypedArray,
  type UnaryOp,
  binaryOutputDType,
  binaryRow,
  type StridedPlan,
  broadcastShapes,
  broadcastStrides,
  planStrided,
  stridesOf,
} from '@gradstream/core';
import * as Op from '../../assembly/opcodes.js';
import type { TensorStore } from '../tensor-store.js';
import { fitsDescriptor, rowCount, writeStridedDescriptor } from './descriptors.js';
import { splitRange, threadsFor } from './parallel.js';

/**
 * What one element of an elementwise pass weighs against the threshold
 * threadsFor applies to multiply-adds: a pass that streams memory costs
 * about as much per element as 32 flops of a GEMM, so a LeNet activation
 * (301,056 elements) is split and a bias vector is not.
 */
const ELEMENT_FLOPS = 32;

/** Threads for an elementwise pass over `elements` outputs. */
function elementThreads(ts: TensorStore, elements: number): number {
  return threadsFor(elements * ELEMENT_FLOPS, ts.rt);
}

/**
 * A plan whose loop nest is one long row, cut into rows (a divisor of its
 * length, at most 64) so threads can take ranges of rows; other plans as they are.
 */
function rowsForThreads(plan: StridedPlan, threads: number): StridedPlan {
  if (threads === 1 || plan.shape.length !== 1) return plan;
  const n = plan.shape[0]!;
  const rows = [64, 32, 16, 8, 4, 2].find((r) => n % r === 0 && n / r >= 4);
  if (rows === undefined) return plan;
  return { shape: [rows, n / rows], strides: plan.strides.map(([s]) => [s! * (n / rows), s!]) };
}

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
    const n = ts.f32(y).length;
    const [xp, yp] = [ts.ptr(x), ts.ptr(y)];
    ts.rt.parallel(
      'unary',
      splitRange(n, elementThreads(ts, n), 4).map(([s, e]) => ({
        op: unaryCodes[op],
        x: xp + 4 * s,
        y: yp + 4 * s,
        n: e - s,
      })),
    );
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
    runBinary(ts, code, a, b, y, plan);
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

/** The float32 binary kernel with opcode `code` over the loop nest `plan`, threads splitting its rows. */
function runBinary(
  ts: TensorStore,
  code: number,
  a: TensorInfo,
  b: TensorInfo,
  y: TensorInfo,
  plan: StridedPlan,
): void {
  const threads = elementThreads(ts, ts.view(y).length);
  const rows = rowsForThreads(plan, threads);
  const d = writeStridedDescriptor(ts.rt, rows);
  const [ap, bp, yp] = [ts.ptr(a), ts.ptr(b), ts.ptr(y)];
  ts.rt.parallel(
    'binary',
    splitRange(rowCount(rows), threads).map(([r0, r1]) => ({ op: code, a: ap, b: bp, y: yp, d, r0, r1 })),
  );
}

/** relu's gradient dy·[x > 0] in one pass (the contract's optional fused kernel); dy and x are float32 of one shape. */
export function reluBackward(ts: TensorStore, dy: TensorInfo, x: TensorInfo): TensorInfo {
  const y = ts.alloc(dy.shape, 'float32');
  if (ts.view(y).length === 0) return y;
  const strides = stridesOf(dy.shape);
  runBinary(ts, Op.B_RELU_GRAD, dy, x, y, planStrided(dy.shape, [strides, strides]));
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
    const threads = elementThreads(ts, ts.view(y).length);
    const rows = rowsForThreads(plan, threads);
    const d = writeStridedDescriptor(ts.rt, rows);
    const [cp, ap, bp, yp] = [ts.ptr(cond), ts.ptr(a), ts.ptr(b), ts.ptr(y)];
    ts.rt.parallel(
      'where32',
      splitRange(rowCount(rows), threads).map(([r0, r1]) => ({ cond: cp, a: ap, b: bp, y: yp, d, r0, r1 })),
    );
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
    const n = ts.f32(y).length;
    const [xp, yp] = [ts.ptr(x), ts.ptr(y)];
    ts.rt.parallel(
      'u8ToF32',
      splitRange(n, elementThreads(ts, n), 16).map(([s, e]) => ({ x: xp + s, y: yp + 4 * s, n: e - s })),
    );
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
