import type { DType, DTypeArrayMap, TypedArray } from '@gradstream/core';

/** The DataId of the CPU backend: the values themselves, contiguous and row-major. */
export interface CpuStorage {
  readonly values: TypedArray;
}

/** The arrays the float-only kernels (matmul, conv, pooling) work in. */
export type FloatArray = Float32Array | Float64Array;

/** A zero-filled array of `size` elements of the type that stores `dtype`. */
export function allocate<D extends DType>(dtype: D, size: number): DTypeArrayMap[D];
export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** A zero-filled array of `size` elements of the same type as `values`. */
export function allocateLike<T extends TypedArray>(values: T, size: number): T {
  return new (values.constructor as new (length: number) => T)(size);
}
