import {
  type ArgReduceOp,
  type AvgPoolGeometry,
  type Backend,
  type BackendMemory,
  type BatchNormGradients,
  type BatchNormTrainingResult,
  type BinaryOp,
  type ConvGeometry,
  type DataId,
  type DType,
  type MaxPoolResult,
  type OptimizerStepEntry,
  type OptimizerStepResult,
  type OptimizerStepRule,
  type ReduceOp,
  type Shape,
  type SoftmaxCrossEntropyOptions,
  type TensorInfo,
  type TypedArray,
  type UnaryOp,
  type WindowGeometry,
  BackendError,
} from '@gradstream/core';
import { TensorStore, type WasmData } from './tensor-store.js';
import type { WasmRuntime } from './runtime/wasm-runtime.js';
import * as elementwise from './kernels/elementwise.js';
import * as reductions from './kernels/reduce.js';
import * as normalization from './kernels/batch-norm.js';
import { matmul } from './kernels/matmul.js';
import * as layout from './kernels/layout.js';
import * as convolution from './kernels/conv.js';
import * as windows from './kernels/window.js';
import { optimizerStep } from './kernels/optimizer.js';
import * as losses from './kernels/cross-entropy.js';
import { track } from './threads.js';

/** Options for {@link createWasmBackend}. */
export interface WasmBackendOptions {
  /** Threads including the calling one (default: the configured count, see setThreads). */
  readonly threads?: number;
  /** Relaxed SIMD: `auto` (default) uses it when the runtime supports it. */
  readonly relaxedSimd?: boolean | 'auto';
  /**
   * Kernels with fewer floating-point operations than this stay on one
   * thread (default 2²¹). Tests set 0 to exercise the threaded paths on small shapes.
   */
  readonly minParallelFlops?: number;
}

/**
 * The WebAssembly backend: tensors live in one linear memory, matmul and
 * convolutions (forward and both gradients) run through a packed SIMD GEMM
 * (convolutions with few taps per output, like LeNet's first, forward
 * through a direct kernel; 3×3 stride-1 layers with 16+ channels, forward
 * and both gradients, by Winograd's F(2×2, 3×3)), pooling, batch normalization (in training,
 * forward and gradients; in inference, one pass; a channel at a time),
 * elementwise ops and reductions run in
 * wasm, and large kernels (elementwise passes included) are split across
 * worker threads sharing that memory. Stores float32 for math,
 * plus int32 and bool; float64 is not supported.
 *
 * @example
 * ```ts
 * import '@gradstream/backend-wasm';
 * await setBackend('wasm');
 * ```
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly dtypes: readonly DType[] = ['float32', 'int32', 'bool'];
  private readonly store: TensorStore;
  private readonly untrack: () => void;

  /** Use `createWasmBackend`: the module must be compiled first. */
  constructor(private readonly runtime: WasmRuntime) {
    this.store = new TensorStore(runtime);
    this.untrack = track(this);
  }

  /** Threads taking part in large kernels now (including the calling thread). */
  get threads(): number {
    return this.runtime.threads;
  }

  /** Whether the relaxed-SIMD build (fused multiply-add) is running. */
  get relaxedSimd(): boolean {
    return this.runtime.relaxedSimd;
  }

  /** Bytes of WebAssembly linear memory reserved so far (tensors, free blocks, scratch); it never shrinks. */
  get linearMemoryBytes(): number {
    return this.runtime.memory.buffer.byteLength;
  }

  /** Changes the thread count; resolves when new workers are ready (until then kernels use the ready ones). */
  setThreads(count: number): Promise<void> {
    return this.runtime.setThreads(count);
  }

  /** Stops the worker threads. Tensors already made stay readable. */
  dispose(): void {
    this.untrack();
    this.runtime.dispose();
  }

  // ---- storage ----

  write(values: TypedArray, shape: Shape, dtype: DType): DataId {
    if (dtype === 'float64' || values instanceof Float64Array) {
      throw new BackendError(
        'wasm',
        'float64 is not supported: the wasm backend is float32-only (use the cpu backend for float64)',
      );
    }
    const t = this.store.alloc(shape, dtype);
    this.store.view(t).set(values);
    return t.dataId;
  }

  readSync(dataId: DataId, dtype: DType): TypedArray {
    const data = dataId as WasmData;
    if (data.freed) throw new BackendError('wasm', 'read of disposed storage');
    return this.store.view({ dataId, shape: [data.length], dtype }).slice();
  }

  read(dataId: DataId, dtype: DType): Promise<TypedArray> {
    return Promise.resolve(this.readSync(dataId, dtype));
  }

  disposeData(dataId: DataId): void {
    this.store.free(dataId);
  }

  memory(): BackendMemory {
    return { bytes: this.store.bytes, buffers: this.store.buffers };
  }

  // ---- elementwise ----

  unary(op: UnaryOp, x: TensorInfo): TensorInfo {
    return elementwise.unary(this.store, op, x);
  }

  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
    return elementwise.binary(this.store, op, a, b);
  }

  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo): TensorInfo {
    return elementwise.where(this.store, cond, a, b);
  }

  cast(x: TensorInfo, dtype: DType): TensorInfo {
    return elementwise.cast(this.store, x, dtype);
  }

  reluBackward(dy: TensorInfo, x: TensorInfo): TensorInfo {
    return elementwise.reluBackward(this.store, dy, x);
  }

  // ---- reductions ----

  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): TensorInfo {
    return reductions.reduce(this.store, op, x, axes);
  }

  argReduce(op: ArgReduceOp, x: TensorInfo, axis: number): TensorInfo {
    return reductions.argReduce(this.store, op, x, axis);
  }

  // ---- normalization ----

  batchNormTraining(
    x: TensorInfo,
    weight: TensorInfo | null,
    bias: TensorInfo | null,
    eps: number,
  ): BatchNormTrainingResult {
    return normalization.batchNormTraining(this.store, x, weight, bias, eps);
  }

  batchNormBackward(
    dy: TensorInfo,
    x: TensorInfo,
    mean: TensorInfo,
    variance: TensorInfo,
    weight: TensorInfo | null,
    eps: number,
  ): BatchNormGradients {
    return normalization.batchNormBackward(this.store, dy, x, mean, variance, weight, eps);
  }

  batchNormInference(
    x: TensorInfo,
    mean: TensorInfo,
    variance: TensorInfo,
    weight: TensorInfo | null,
    bias: TensorInfo | null,
    eps: number,
  ): TensorInfo {
    return normalization.batchNormInference(this.store, x, mean, variance, weight, bias, eps);
  }

  // ---- linear algebra ----

  matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
    return matmul(this.store, a, b, transposeA, transposeB);
  }

  // ---- layout ----

  transpose(x: TensorInfo, perm: readonly number[]): TensorInfo {
    return layout.transpose(this.store, x, perm);
  }

  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo {
    return layout.slice(this.store, x, begin, size);
  }

  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): TensorInfo {
    return layout.pad(this.store, x, paddings, value);
  }

  concat(xs: readonly TensorInfo[], axis: number): TensorInfo {
    return layout.concat(this.store, xs, axis);
  }

  gather(x: TensorInfo, indices: TensorInfo, axis: number): TensorInfo {
    return layout.gather(this.store, x, indices, axis);
  }

  scatterAdd(dy: TensorInfo, indices: TensorInfo, axis: number, axisSize: number): TensorInfo {
    return layout.scatterAdd(this.store, dy, indices, axis, axisSize);
  }

  // ---- convolution ----

  conv(x: TensorInfo, w: TensorInfo, geometry: ConvGeometry): TensorInfo {
    return convolution.conv(this.store, x, w, geometry);
  }

  convBackpropInput(dy: TensorInfo, w: TensorInfo, geometry: ConvGeometry, xShape: Shape): TensorInfo {
    return convolution.convBackpropInput(this.store, dy, w, geometry, xShape);
  }

  convBackpropFilter(x: TensorInfo, dy: TensorInfo, geometry: ConvGeometry, wShape: Shape): TensorInfo {
    return convolution.convBackpropFilter(this.store, x, dy, geometry, wShape);
  }

  // ---- sliding windows ----

  unfold(x: TensorInfo, geometry: WindowGeometry): TensorInfo {
    return windows.unfold(this.store, x, geometry);
  }

  fold(cols: TensorInfo, geometry: WindowGeometry, xShape: Shape): TensorInfo {
    return windows.fold(this.store, cols, geometry, xShape);
  }

  maxPool(x: TensorInfo, geometry: WindowGeometry): MaxPoolResult {
    return windows.maxPool(this.store, x, geometry);
  }

  maxPoolBackward(dy: TensorInfo, indices: TensorInfo, xShape: Shape): TensorInfo {
    return windows.maxPoolBackward(this.store, dy, indices, xShape);
  }

  softmaxCrossEntropy(logits: TensorInfo, targets: TensorInfo, how: SoftmaxCrossEntropyOptions): TensorInfo {
    return losses.softmaxCrossEntropy(this.store, logits, targets, how);
  }

  softmaxCrossEntropyBackward(
    dy: TensorInfo,
    logits: TensorInfo,
    targets: TensorInfo,
    how: SoftmaxCrossEntropyOptions,
  ): TensorInfo {
    return losses.softmaxCrossEntropyBackward(this.store, dy, logits, targets, how);
  }

  optimizerStep(rule: OptimizerStepRule, entries: readonly OptimizerStepEntry[]): OptimizerStepResult[] {
    return optimizerStep(this.store, rule, entries);
  }

  avgPool(x: TensorInfo, geometry: AvgPoolGeometry): TensorInfo {
    return windows.avgPool(this.store, x, geometry);
  }

  avgPoolBackward(dy: TensorInfo, geometry: AvgPoolGeometry, xShape: Shape): TensorInfo {
    return windows.avgPoolBackward(this.store, dy, geometry, xShape);
  }
}
