/** Element types a tensor can hold. `bool` is stored as one byte per element (0 or 1). */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** A tensor's dimensions. Never mutated once a tensor holds it. */
export type Shape = readonly number[];

/** The typed array that stores each dtype: float32 → Float32Array, float64 → Float64Array, int32 → Int32Array, bool → Uint8Array. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Maps a dtype to the typed array that stores it. */
export interface DTypeArrayMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/**
 * An opaque handle to storage a backend owns. Core never looks inside; it
 * passes the handle back to the backend that made it.
 */
export type DataId = object;

/** What a kernel receives for each tensor argument: storage plus its shape and dtype. Storage is contiguous, row-major. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
}
