import { type DType, RowCursor, type Shape, type TypedArray, planStrided, sizeOf, stridesOf } from '@gradstream/core';
import { allocate } from '../storage.js';

/** Below this many elements a plain loop beats `set(subarray(...))`, which allocates a view. */
const BULK_COPY_MIN = 64;

/**
 * Copies a block of size `dims` from src (strides `srcStrides`, starting at
 * `srcOff`) to dst (strides `dstStrides`, starting at `dstOff`).
 */
function copyBlock(
  dims: readonly number[],
  src: TypedArray,
  srcOff: number,
  srcStrides: readonly number[],
  dst: TypedArray,
  dstOff: number,
  dstStrides: readonly number[],
): void {
  const cursor = new RowCursor(planStrided(dims, [srcStrides, dstStrides]), [srcOff, dstOff]);
  const [ss, ds] = cursor.rowStrides as [number, number];
  const n = cursor.rowLength;
  const bulk = ss === 1 && ds === 1 && n >= BULK_COPY_MIN;
  for (let r = 0; r < cursor.rows; r++) {
    let s = cursor.offsets[0]!;
    let d = cursor.offsets[1]!;
    if (bulk) dst.set(src.subarray(s, s + n), d);
    else for (let j = 0; j < n; j++, s += ss, d += ds) dst[d] = src[s]!;
    cursor.next();
  }
}

/** Output dim i = input dim perm[i]. */
export function transpose(
  x: TypedArray,
  shape: Shape,
  perm: readonly number[],
  dtype: DType,
): { values: TypedArray; shape: number[] } {
  const outShape = perm.map((p) => shape[p]!);
  const out = allocate(dtype, x.length);
  const inStrides = stridesOf(shape);
  copyBlock(
    outShape,
    x,
    0,
    perm.map((p) => inStrides[p]!),
    out,
    0,
    stridesOf(outShape),
  );
  return { values: out, shape: outShape };
}

/** The contiguous copy of the block starting at `begin` with extent `size`. */
export function slice(
  x: TypedArray,
  shape: Shape,
  begin: readonly number[],
  size: readonly number[],
  dtype: DType,
): TypedArray {
  const out = allocate(dtype, sizeOf(size));
  const strides = stridesOf(shape);
  let off = 0;
  for (let i = 0; i < shape.length; i++) off += begin[i]! * strides[i]!;
  copyBlock(size, x, off, strides, out, 0, stridesOf(size));
  return out;
}

/** Constant padding with [before, after] per dimension. */
export function pad(
  x: TypedArray,
  shape: Shape,
  paddings: readonly (readonly [number, number])[],
  value: number,
  dtype: DType,
): { values: TypedArray; shape: number[] } {
  const outShape = shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const out = allocate(dtype, sizeOf(outShape));
  if (value !== 0) out.fill(dtype === 'bool' ? 1 : value);
  const outStrides = stridesOf(outShape);
  let off = 0;
  for (let i = 0; i < shape.length; i++) off += paddings[i]![0] * outStrides[i]!;
  copyBlock(shape, x, 0, stridesOf(shape), out, off, outStrides);
  return { values: out, shape: outShape };
}

/** Joins tensors along `axis`; each input lands as a block of the output. */
export function concat(
  xs: readonly { values: TypedArray; shape: Shape }[],
  axis: number,
  dtype: DType,
): { values: TypedArray; shape: number[] } {
  const outShape = [...xs[0]!.shape];
  outShape[axis] = xs.reduce((total, x) => total + x.shape[axis]!, 0);
  const out = allocate(dtype, sizeOf(outShape));
  const outStrides = stridesOf(outShape);
  let off = 0;
  for (const x of xs) {
    copyBlock(x.shape, x.values, 0, stridesOf(x.shape), out, off, outStrides);
    off += x.shape[axis]! * outStrides[axis]!;
  }
  return { values: out, shape: outShape };
}

/** Splits a shape around `axis` into (outer, length, inner) element counts. */
function around(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

/** NumPy `take` along `axis`: output x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]. */
export function gather(
  x: TypedArray,
  shape: Shape,
  indices: Int32Array,
  indicesShape: Shape,
  axis: number,
  dtype: DType,
): { values: TypedArray; shape: number[] } {
  const [outer, len, inner] = around(shape, axis);
  const outShape = [...shape.slice(0, axis), ...indicesShape, ...shape.slice(axis + 1)];
  const out = allocate(dtype, outer * indices.length * inner);
  let d = 0;
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    for (let i = 0; i < indices.length; i++, d += inner) {
      const s = base + indices[i]! * inner;
      if (inner >= BULK_COPY_MIN) out.set(x.subarray(s, s + inner), d);
      else for (let j = 0; j < inner; j++) out[d + j] = x[s + j]!;
    }
  }
  return { values: out, shape: outShape };
}

/** The adjoint of gather: slices of dy added into a zero tensor at their indices (repeats accumulate). */
export function scatterAdd(
  dy: TypedArray,
  dyShape: Shape,
  indices: Int32Array,
  indicesShape: Shape,
  axis: number,
  axisSize: number,
  dtype: DType,
): { values: TypedArray; shape: number[] } {
  const trailing = dyShape.slice(axis + indicesShape.length);
  const outer = sizeOf(dyShape.slice(0, axis));
  const inner = sizeOf(trailing);
  const outShape = [...dyShape.slice(0, axis), axisSize, ...trailing];
  const out = allocate(dtype, outer * axisSize * inner);
  let s = 0;
  for (let o = 0; o < outer; o++) {
    const base = o * axisSize * inner;
    for (let i = 0; i < indices.length; i++, s += inner) {
      const d = base + indices[i]! * inner;
      for (let j = 0; j < inner; j++) out[d + j]! += dy[s + j]!;
    }
  }
  return { values: out, shape: outShape };
}
