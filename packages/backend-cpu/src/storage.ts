import { type DType, type DTypeArrayMap, OutOfMemoryError, type TypedArray } from '@gradstream/core';

/** The DataId of the CPU backend: the values themselves, contiguous and row-major. */
export interface CpuStorage {
  readonly values: TypedArray;
}

/** The arrays the float-only kernels (matmul, conv, pooling) work in. */
export type FloatArray = Float32Array | Float64Array;

/**
 * A zero-filled array of `size` elements of the type that stores `dtype`.
 * An array larger than the JavaScript engine allows is an `OutOfMemoryError`
 * (the op running the kernel names itself on the way out), not a bare RangeError.
 */
export function allocate<D extends DType>(dtype: D, size: number): DTypeArrayMap[D];
export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return create(Float32Array, size);
    case 'float64':
      return create(Float64Array, size);
    case 'int32':
      return create(Int32Array, size);
    case 'bool':
      return create(Uint8Array, size);
  }
}

/** A zero-filled array of `size` elements of the same type as `values`. */
export function allocateLike<T extends TypedArray>(values: T, size: number): T {
  return create(values.constructor as TypedArrayConstructor<T>, size);
}

interface TypedArrayConstructor<T extends TypedArray> {
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

function create<T extends TypedArray>(type: TypedArrayConstructor<T>, size: number): T {
  try {
    return new type(size);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const bytes = size * type.BYTES_PER_ELEMENT;
    throw new OutOfMemoryError('cpu', bytes, 'cpu', `a ${type.name} of ${size} elements: ${e.message}`, e);
  }
}
