import { BackendError, type DType, type Shape, type TensorInfo, type TypedArray, sizeOf } from '@gradstream/core';
import type { Block } from './runtime/heap.js';
import type { WasmRuntime } from './runtime/wasm-runtime.js';

/** Storage of one tensor in linear memory: the handle core passes back as a DataId. */
export class WasmData {
  /** Set by disposeData; a freed block may already belong to another tensor. */
  freed = false;
  constructor(
    readonly block: Block,
    readonly length: number,
    readonly dtype: DType,
  ) {}

  get ptr(): number {
    return this.block.ptr;
  }
}

/** Bytes per element of each stored dtype. */
export function elementBytes(dtype: DType): number {
  switch (dtype) {
    case 'bool':
      return 1;
    case 'float32':
    case 'int32':
      return 4;
    default:
      throw new BackendError(
        'wasm',
        `dtype ${dtype} is not supported: the wasm backend is float32-only (plus int32 and bool storage)`,
      );
  }
}

/**
 * Tensor storage on top of the runtime's heap: allocation with byte and
 * buffer counts, and typed views over linear memory. Views are made per use
 * because growing the memory replaces its buffer.
 */
export class TensorStore {
  bytes = 0;
  buffers = 0;

  constructor(readonly rt: WasmRuntime) {}

  /** Fresh, uninitialized storage for `shape` × `dtype`. */
  alloc(shape: Shape, dtype: DType): TensorInfo {
    const length = sizeOf(shape);
    const byteLength = length * elementBytes(dtype);
    const data = new WasmData(this.rt.heap.alloc(byteLength), length, dtype);
    this.bytes += byteLength;
    this.buffers++;
    return { dataId: data, shape, dtype };
  }

  /** Returns a tensor's block to the heap; a second call for the same storage is ignored. */
  free(dataId: object): void {
    const data = dataId as WasmData;
    if (data.freed) return;
    data.freed = true;
    this.rt.heap.release(data.block);
    this.bytes -= data.length * elementBytes(data.dtype);
    this.buffers--;
  }

  /** Address of a tensor's first element. */
  ptr(t: TensorInfo): number {
    return (t.dataId as WasmData).ptr;
  }

  /** A live view of a tensor's elements (valid until the next allocation may grow memory). */
  view(t: TensorInfo): TypedArray {
    const data = t.dataId as WasmData;
    switch (data.dtype) {
      case 'float32':
        return this.rt.f32(data.ptr, data.length);
      case 'int32':
        return this.rt.i32(data.ptr, data.length);
      default:
        return this.rt.u8(data.ptr, data.length);
    }
  }

  /** A float32 view of a tensor (same validity as `view`). */
  f32(t: TensorInfo): Float32Array {
    return this.rt.f32(this.ptr(t), (t.dataId as WasmData).length);
  }

  /** An int32 view of a tensor (same validity as `view`). */
  i32(t: TensorInfo): Int32Array {
    return this.rt.i32(this.ptr(t), (t.dataId as WasmData).length);
  }
}
