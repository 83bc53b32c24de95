import type {
  ArgReduceOp,
  AvgPoolGeometry,
  Backend,
  BackendMemory,
  BinaryOp,
  ConvGeometry,
  DataId,
  DType,
  MaxPoolResult,
  ReduceOp,
  Shape,
  TensorInfo,
  TypedArray,
  UnaryOp,
  WindowGeometry,
} from '@gradstream/core';
import { sizeOf } from '@gradstream/core';
import { type CpuStorage, type FloatArray, allocate } from './storage.js';
import { cast, unary } from './kernels/unary.js';
import { binary, where } from './kernels/binary.js';
import { argReduce, reduce } from './kernels/reduce.js';
import { matmul } from './kernels/matmul.js';
import { concat, gather, pad, scatterAdd, slice, transpose } from './kernels/layout.js';
import { conv, convBackpropFilter, convBackpropInput } from './kernels/conv.js';
import { fold, unfold } from './kernels/window.js';
import { avgPool, avgPoolBackward, maxPool } from './kernels/pool.js';

/**
 * The reference backend: every kernel of the contract in plain TypeScript
 * over typed arrays, in float32, float64, int32 and bool. Other backends are
 * checked against it, and gradient checks run on it in float64.
 *
 * Storage is the typed array itself; float32 work stays in Float32Array and
 * float64 in Float64Array. Matmul and convolution go through a cache-blocked
 * GEMM with a 4×4 register tile; convolution is im2col plus GEMM per group.
 *
 * @example
 * ```ts
 * import '@gradstream/backend-cpu';            // registers 'cpu'
 * await setBackend('cpu');
 * ```
 */
export class CpuBackend implements Backend {
  readonly name: string = 'cpu';
  readonly dtypes: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

  /** Storage this backend made and has not freed; weak, so it never keeps a tensor alive. */
  private readonly live = new WeakSet<CpuStorage>();
  private bytes = 0;
  private buffers = 0;

  // ---- storage ----

  write(values: TypedArray, shape: Shape, dtype: DType): DataId {
    const copy = allocate(dtype, sizeOf(shape));
    copy.set(values);
    return this.store(copy);
  }

  readSync(dataId: DataId, _dtype: DType): TypedArray {
    return (dataId as CpuStorage).values.slice();
  }

  read(dataId: DataId, dtype: DType): Promise<TypedArray> {
    return Promise.resolve(this.readSync(dataId, dtype));
  }

  disposeData(dataId: DataId): void {
    const storage = dataId as CpuStorage;
    if (!this.live.delete(storage)) return;
    this.bytes -= storage.values.byteLength;
    this.buffers--;
  }

  memory(): BackendMemory {
    return { bytes: this.bytes, buffers: this.buffers };
  }

  // ---- elementwise ----

  unary(op: UnaryOp, x: TensorInfo): TensorInfo {
    const dtype = op === 'logicalNot' ? 'bool' : x.dtype;
    return this.tensor(unary(op, this.values(x), x.dtype), x.shape, dtype);
  }

  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
    const { values, shape, dtype } = binary(op, this.values(a), a.shape, this.values(b), b.shape, a.dtype);
    return this.tensor(values, shape, dtype);
  }

  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo): TensorInfo {
    const { values, shape } = where(
      this.values(cond),
      cond.shape,
      this.values(a),
      a.shape,
      this.values(b),
      b.shape,
      a.dtype,
    );
    return this.tensor(values, shape, a.dtype);
  }

  cast(x: TensorInfo, dtype: DType): TensorInfo {
    return this.tensor(cast(this.values(x), dtype), x.shape, dtype);
  }

  // ---- reductions ----

  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): TensorInfo {
    const { values, shape } = reduce(op, this.values(x), x.shape, axes, x.dtype);
    return this.tensor(values, shape, x.dtype);
  }

  argReduce(op: ArgReduceOp, x: TensorInfo, axis: number): TensorInfo {
    const { values, shape } = argReduce(op, this.values(x), x.shape, axis);
    return this.tensor(values, shape, 'int32');
  }

  // ---- linear algebra ----

  matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
    const { values, shape } = matmul(this.floats(a), a.shape, this.floats(b), b.shape, transposeA, transposeB);
    return this.tensor(values, shape, a.dtype);
  }

  // ---- layout ----

  transpose(x: TensorInfo, perm: readonly number[]): TensorInfo {
    const { values, shape } = transpose(this.values(x), x.shape, perm, x.dtype);
    return this.tensor(values, shape, x.dtype);
  }

  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo {
    return this.tensor(slice(this.values(x), x.shape, begin, size, x.dtype), [...size], x.dtype);
  }

  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): TensorInfo {
    const { values, shape } = pad(this.values(x), x.shape, paddings, value, x.dtype);
    return this.tensor(values, shape, x.dtype);
  }

  concat(xs: readonly TensorInfo[], axis: number): TensorInfo {
    const dtype = xs[0]!.dtype;
    const { values, shape } = concat(
      xs.map((x) => ({ values: this.values(x), shape: x.shape })),
      axis,
      dtype,
    );
    return this.tensor(values, shape, dtype);
  }

  gather(x: TensorInfo, indices: TensorInfo, axis: number): TensorInfo {
    const { values, shape } = gather(
      this.values(x),
      x.shape,
      this.values(indices) as Int32Array,
      indices.shape,
      axis,
      x.dtype,
    );
    return this.tensor(values, shape, x.dtype);
  }

  scatterAdd(dy: TensorInfo, indices: TensorInfo, axis: number, axisSize: number): TensorInfo {
    const { values, shape } = scatterAdd(
      this.values(dy),
      dy.shape,
      this.values(indices) as Int32Array,
      indices.shape,
      axis,
      axisSize,
      dy.dtype,
    );
    return this.tensor(values, shape, dy.dtype);
  }

  // ---- convolution ----

  conv(x: TensorInfo, w: TensorInfo, geometry: ConvGeometry): TensorInfo {
    const { values, shape } = conv(this.floats(x), x.shape, this.floats(w), w.shape, geometry);
    return this.tensor(values, shape, x.dtype);
  }

  convBackpropInput(dy: TensorInfo, w: TensorInfo, geometry: ConvGeometry, xShape: Shape): TensorInfo {
    return this.tensor(
      convBackpropInput(this.floats(dy), this.floats(w), w.shape, geometry, xShape),
      [...xShape],
      dy.dtype,
    );
  }

  convBackpropFilter(x: TensorInfo, dy: TensorInfo, geometry: ConvGeometry, wShape: Shape): TensorInfo {
    return this.tensor(
      convBackpropFilter(this.floats(x), x.shape, this.floats(dy), geometry, wShape),
      [...wShape],
      x.dtype,
    );
  }

  // ---- sliding windows ----

  unfold(x: TensorInfo, geometry: WindowGeometry): TensorInfo {
    const { values, shape } = unfold(this.floats(x), x.shape, geometry);
    return this.tensor(values, shape, x.dtype);
  }

  fold(cols: TensorInfo, geometry: WindowGeometry, xShape: Shape): TensorInfo {
    return this.tensor(fold(this.floats(cols), geometry, xShape), [...xShape], cols.dtype);
  }

  maxPool(x: TensorInfo, geometry: WindowGeometry): MaxPoolResult {
    const { y, indices, shape } = maxPool(this.floats(x), x.shape, geometry);
    return { y: this.tensor(y, shape, x.dtype), indices: this.tensor(indices, [...shape], 'int32') };
  }

  avgPool(x: TensorInfo, geometry: AvgPoolGeometry): TensorInfo {
    const { values, shape } = avgPool(this.floats(x), x.shape, geometry);
    return this.tensor(values, shape, x.dtype);
  }

  avgPoolBackward(dy: TensorInfo, geometry: AvgPoolGeometry, xShape: Shape): TensorInfo {
    return this.tensor(avgPoolBackward(this.floats(dy), geometry, xShape), [...xShape], dy.dtype);
  }

  // ---- helpers ----

  private store(values: TypedArray): CpuStorage {
    const storage: CpuStorage = { values };
    this.live.add(storage);
    this.bytes += values.byteLength;
    this.buffers++;
    return storage;
  }

  private tensor(values: TypedArray, shape: Shape, dtype: DType): TensorInfo {
    return { dataId: this.store(values), shape, dtype };
  }

  private values(t: TensorInfo): TypedArray {
    return (t.dataId as CpuStorage).values;
  }

  /** The values of a tensor that core only passes to float kernels (float32 or float64). */
  private floats(t: TensorInfo): FloatArray {
    return (t.dataId as CpuStorage).values as FloatArray;
  }
}
