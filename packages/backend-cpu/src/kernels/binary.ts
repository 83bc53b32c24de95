import {
  type BinaryOp,
  type DType,
  RowCursor,
  type Shape,
  type TypedArray,
  binaryOutputDType,
  binaryRow,
  broadcastShapes,
  broadcastStrides,
  planStrided,
  sizeOf,
} from '@gradstream/core';
import { allocate } from '../storage.js';

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
  const shape = broadcastShapes(op, aShape, bShape);
  const outDType = binaryOutputDType(op, dtype);
  const out = allocate(outDType, sizeOf(shape));
  const cursor = new RowCursor(planStrided(shape, [broadcastStrides(aShape, shape), broadcastStrides(bShape, shape)]));
  const [sa, sb] = cursor.rowStrides as [number, number];
  const n = cursor.rowLength;
  for (let r = 0, o = 0; r < cursor.rows; r++, o += n) {
    binaryRow(op, dtype, out, o, a, cursor.offsets[0]!, sa, b, cursor.offsets[1]!, sb, n);
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
  const shape = broadcastShapes('where', condShape, aShape, bShape);
  const out = allocate(dtype, sizeOf(shape));
  const cursor = new RowCursor(
    planStrided(
      shape,
      [condShape, aShape, bShape].map((s) => broadcastStrides(s, shape)),
    ),
  );
  const [sc, sa, sb] = cursor.rowStrides as [number, number, number];
  const n = cursor.rowLength;
  for (let r = 0, o = 0; r < cursor.rows; r++) {
    let ic = cursor.offsets[0]!,
      ia = cursor.offsets[1]!,
      ib = cursor.offsets[2]!;
    for (const end = o + n; o < end; o++, ic += sc, ia += sa, ib += sb) out[o] = cond[ic] !== 0 ? a[ia]! : b[ib]!;
    cursor.next();
  }
  return { values: out, shape };
}
