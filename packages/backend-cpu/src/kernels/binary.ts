import type { BinaryOp, DType, Shape, TypedArray } from '@gradstream/core';
import { allocate, sizeOf } from '../storage.js';
import { RowCursor, broadcastStrides, planStrided } from './strided.js';

/** Output shape of NumPy broadcasting (inputs are already validated by core). */
export function broadcastShape(...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      if (d !== 1) out[rank - s.length + i] = d;
    }
  }
  return out;
}

const comparisons: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  'equal',
  'notEqual',
  'greater',
  'greaterEqual',
  'less',
  'lessEqual',
  'logicalAnd',
  'logicalOr',
]);

/** `mul` on int32 must wrap like C, which a double product cannot do beyond 2^53. */
type RowOp = BinaryOp | 'imul';

/**
 * One row of a binary op: out[o + j] = a[ia + j·sa] op b[ib + j·sb]. The
 * switch sits outside the loops so each op runs its own tight loop.
 */
function binaryRow(
  op: RowOp,
  out: TypedArray,
  o: number,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  n: number,
): void {
  const end = o + n;
  switch (op) {
    case 'add':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! + b[ib]!;
      return;
    case 'sub':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! - b[ib]!;
      return;
    case 'mul':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! * b[ib]!;
      return;
    case 'imul':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.imul(a[ia]!, b[ib]!);
      return;
    case 'div':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! / b[ib]!;
      return;
    case 'pow':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! ** b[ib]!;
      return;
    case 'maximum':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.max(a[ia]!, b[ib]!);
      return;
    case 'minimum':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.min(a[ia]!, b[ib]!);
      return;
    case 'equal':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] === b[ib] ? 1 : 0;
      return;
    case 'notEqual':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== b[ib] ? 1 : 0;
      return;
    case 'greater':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! > b[ib]! ? 1 : 0;
      return;
    case 'greaterEqual':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! >= b[ib]! ? 1 : 0;
      return;
    case 'less':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! < b[ib]! ? 1 : 0;
      return;
    case 'lessEqual':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! <= b[ib]! ? 1 : 0;
      return;
    case 'logicalAnd':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== 0 && b[ib] !== 0 ? 1 : 0;
      return;
    case 'logicalOr':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== 0 || b[ib] !== 0 ? 1 : 0;
      return;
  }
}

/**
 * A binary op with NumPy broadcasting. Same shapes and scalar operands become
 * a single row; bias-like broadcasts become one row per broadcast block.
 */
export function binary(
  op: BinaryOp,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  dtype: DType,
): { values: TypedArray; shape: number[]; dtype: DType } {
  const shape = broadcastShape(aShape, bShape);
  const outDType = comparisons.has(op) ? 'bool' : dtype;
  const out = allocate(outDType, sizeOf(shape));
  const rowOp: RowOp = op === 'mul' && dtype === 'int32' ? 'imul' : op;
  const plan = planStrided(shape, [broadcastStrides(aShape, shape), broadcastStrides(bShape, shape)]);
  const cursor = new RowCursor(plan, [0, 0]);
  const [sa, sb] = plan.rowStrides as [number, number];
  const n = plan.rowLength;
  for (let r = 0, o = 0; r < plan.rows; r++, o += n) {
    binaryRow(rowOp, out, o, a, cursor.offsets[0]!, sa, b, cursor.offsets[1]!, sb, n);
    cursor.next();
  }
  return { values: out, shape, dtype: outDType };
}

/** out = cond ? a : b, all three broadcast together. */
export function where(
  cond: TypedArray,
  condShape: Shape,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  dtype: DType,
): { values: TypedArray; shape: number[] } {
  const shape = broadcastShape(condShape, aShape, bShape);
  const out = allocate(dtype, sizeOf(shape));
  const plan = planStrided(
    shape,
    [condShape, aShape, bShape].map((s) => broadcastStrides(s, shape)),
  );
  const cursor = new RowCursor(plan, [0, 0, 0]);
  const [sc, sa, sb] = plan.rowStrides as [number, number, number];
  const n = plan.rowLength;
  for (let r = 0, o = 0; r < plan.rows; r++) {
    let ic = cursor.offsets[0]!,
      ia = cursor.offsets[1]!,
      ib = cursor.offsets[2]!;
    for (const end = o + n; o < end; o++, ic += sc, ia += sa, ib += sb) out[o] = cond[ic] !== 0 ? a[ia]! : b[ib]!;
    cursor.next();
  }
  return { values: out, shape };
}
