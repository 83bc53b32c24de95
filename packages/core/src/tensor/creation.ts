import type { DType, Shape, TypedArray } from '../backend/types.js';
import { ArgumentError, DTypeError, OutOfMemoryError, ShapeError, fmtShape } from '../util/errors.js';
import { BYTES_PER_ELEMENT, writeTensor } from './engine.js';
import { globalRandom } from './random.js';
import { assertShape, sizeOf } from './shape.js';
import type { NestedArray } from './tensor.js';
import type { Tensor } from './tensor.js';

/**
 * Allocates the typed array that stores `dtype`. An array larger than the
 * JavaScript engine allows is an `OutOfMemoryError` naming `op`, not the
 * engine's bare RangeError.
 */
export function allocArray(op: string, dtype: DType, n: number): TypedArray {
  try {
    return newArray(dtype, n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const bytes = n * BYTES_PER_ELEMENT[dtype];
    throw new OutOfMemoryError(op, bytes, 'the host', `a ${dtype} array of ${n} elements: ${e.message}`, e);
  }
}

function newArray(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'bool':
      return new Uint8Array(n);
  }
}

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

function assertDType(op: string, dtype: string, shape: Shape): asserts dtype is DType {
  if (!DTYPES.includes(dtype as DType))
    throw new DTypeError(
      op,
      `unknown dtype '${dtype}' for shape ${fmtShape(shape)}; expected one of ${DTYPES.join(', ')}`,
    );
}

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0] as NestedArray;
  }
  return shape;
}

function flatten(op: string, values: NestedArray, shape: Shape, out: number[], dim = 0): void {
  if (dim === shape.length) {
    if (Array.isArray(values)) throw new ShapeError(op, `ragged nested array: expected shape ${fmtShape(shape)}`);
    out.push(typeof values === 'boolean' ? Number(values) : values);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[dim]) {
    throw new ShapeError(op, `ragged nested array: expected shape ${fmtShape(shape)}`);
  }
  for (const v of values) flatten(op, v, shape, out, dim + 1);
}

function inferDType(values: TypedArray | NestedArray): DType {
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'bool';
  let v: unknown = values;
  while (Array.isArray(v)) v = v[0];
  return typeof v === 'boolean' ? 'bool' : 'float32';
}

/**
 * Creates a tensor from a typed array, nested arrays or a number.
 * The dtype defaults to the typed array's type, `bool` for booleans and
 * `float32` otherwise; the shape defaults to the nesting.
 *
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]);                          // float32 [2,2]
 * tensor(new Float64Array([1, 2, 3, 4]), [2, 2]);    // float64 [2,2]
 * tensor([0, 2, 1], undefined, 'int32');
 * ```
 */
export function tensor(values: TypedArray | NestedArray, shape?: Shape, dtype?: DType): Tensor {
  const dt = dtype ?? inferDType(values);
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (ArrayBuffer.isView(values)) {
    flat = values;
    inferred = [values.length];
  } else {
    inferred = inferShape(values);
    const out: number[] = [];
    flatten('tensor', values, inferred, out);
    flat = out;
  }
  const finalShape = shape ?? inferred;
  assertShape('tensor', finalShape);
  assertDType('tensor', dt, finalShape);
  if (sizeOf(finalShape) !== flat.length) {
    throw new ShapeError('tensor', `${flat.length} values cannot fill shape ${fmtShape(finalShape)}`);
  }
  const store = allocArray('tensor', dt, flat.length);
  if (dt === 'bool') for (let i = 0; i < flat.length; i++) store[i] = flat[i] ? 1 : 0;
  else store.set(flat);
  return writeTensor(store, finalShape, dt);
}

/** A rank-0 tensor. */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, [], dtype);
}

function filled(op: string, shape: Shape, value: number, dtype: DType): Tensor {
  assertShape(op, shape);
  assertDType(op, dtype, shape);
  const store = allocArray(op, dtype, sizeOf(shape));
  if (value !== 0) store.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
  return writeTensor(store, shape, dtype);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  return filled('full', shape, value, dtype);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

/** A tensor of ones. */
export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

/** Zeros with the shape and dtype of `x`. */
export function zerosLike(x: Tensor): Tensor {
  return filled('zerosLike', x.shape, 0, x.dtype);
}

/** Ones with the shape and dtype of `x`. */
export function onesLike(x: Tensor): Tensor {
  return filled('onesLike', x.shape, 1, x.dtype);
}

/**
 * Values start, start + step, … below stop (NumPy's arange).
 *
 * @example
 * ```ts
 * arange(0, 5);          // [0, 1, 2, 3, 4]
 * arange(0, 1, 0.25);    // [0, 0.25, 0.5, 0.75]
 * ```
 */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step))
    throw new ArgumentError('arange', `step must be a finite non-zero number, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  assertDType('arange', dtype, [n]);
  const store = allocArray('arange', dtype, n);
  for (let i = 0; i < n; i++) store[i] = start + i * step;
  return writeTensor(store, [n], dtype);
}

/**
 * Random values are drawn on the host into one typed array and then uploaded,
 * so a seed gives the same tensor on every backend.
 */
function randomTensor(
  op: string,
  shape: Shape,
  dtype: DType,
  fill: (out: Float32Array | Float64Array) => void,
): Tensor {
  assertShape(op, shape);
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new DTypeError(op, `expects a float dtype, got ${dtype} for shape ${fmtShape(shape)}`);
  const store = allocArray(op, dtype, sizeOf(shape)) as Float32Array | Float64Array;
  fill(store);
  return writeTensor(store, shape, dtype);
}

/** Uniform samples in [low, high) from the seeded generator. */
export function uniform(shape: Shape, low = 0, high = 1, dtype: DType = 'float32'): Tensor {
  return randomTensor('uniform', shape, dtype, (out) => globalRandom.fillUniform(out, low, high));
}

/** Uniform samples in [0, 1) from the seeded generator. */
export function rand(shape: Shape, dtype: DType = 'float32'): Tensor {
  return uniform(shape, 0, 1, dtype);
}

/** Normal samples (mean, std) from the seeded generator. */
export function randn(shape: Shape, mean = 0, std = 1, dtype: DType = 'float32'): Tensor {
  return randomTensor('randn', shape, dtype, (out) => globalRandom.fillNormal(out, mean, std));
}
