/**
 * Reading tensors to float64 host arrays and writing results back, for the
 * float64 reference loops the conformance kit holds fused kernels to.
 */
import type { Backend } from '../backend/contract.js';
import type { TensorInfo } from '../backend/types.js';

/** A tensor's values as float64. */
export function readHost(b: Backend, t: TensorInfo): Float64Array {
  return Float64Array.from(b.readSync(t.dataId, t.dtype));
}

/** float64 values written as a new tensor of `like`'s dtype, shaped `shape`. */
export function writeHost(b: Backend, values: Float64Array, like: TensorInfo, shape: readonly number[]): TensorInfo {
  const typed = like.dtype === 'float64' ? values : Float32Array.from(values);
  return { dataId: b.write(typed, shape, like.dtype), shape, dtype: like.dtype };
}
