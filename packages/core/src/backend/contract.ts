import type { DataId, DType, Shape, TensorInfo, TypedArray } from './types.js';

/**
 * Elementwise unary kernels. Float-only ops (exp, log, …) are called by core
 * with float32 or float64 input only; `neg`, `abs`, `sign`, `square`, `relu`
 * also receive int32. The output has the input's dtype, except `logicalNot` (bool → bool).
 * `round` rounds half to even, as PyTorch does.
 */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'square'
  | 'sqrt'
  | 'rsqrt'
  | 'reciprocal'
  | 'exp'
  | 'expm1'
  | 'log'
  | 'log1p'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'logicalNot';

/**
 * Elementwise binary kernels with NumPy broadcasting. Core always calls them
 * with both operands of the same dtype. Arithmetic ops return that dtype;
 * comparisons and logical ops return `bool`. `pow` is called on floats only;
 * int32 `div` (core never asks for it, but a backend must define it)
 * truncates toward zero.
 */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'equal'
  | 'notEqual'
  | 'greater'
  | 'greaterEqual'
  | 'less'
  | 'lessEqual'
  | 'logicalAnd'
  | 'logicalOr';

/** Reductions over a set of axes: the reduced axes are removed from the output shape. */
export type ReduceOp = 'sum' | 'max' | 'min';

/** Index reductions over one axis, returning int32 (the first index on ties). */
export type ArgReduceOp = 'argmax' | 'argmin';

/**
 * Geometry of a convolution over `rank` = 1, 2 or 3 spatial dimensions.
 * Every array has one entry per spatial dimension; `padding` holds
 * [before, after] zero padding per dimension. Layout: x is N×C×(spatial),
 * the filter O×(C/groups)×(kernel), output N×O×(out spatial) with
 * out = floor((in + before + after − dilation·(k − 1) − 1) / stride) + 1.
 */
export interface ConvGeometry {
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly padding: readonly (readonly [number, number])[];
  readonly groups: number;
}

/**
 * Geometry of a sliding window (pooling, unfold/fold) over the trailing
 * `kernel.length` dimensions of an N×C×(spatial) tensor. `outShape` holds the
 * output spatial size per dimension, computed by core (it accounts for
 * ceilMode); a window position may run past the padded input, and elements
 * outside the input (padding or beyond) never contribute to max or sum.
 */
export interface WindowGeometry {
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly padding: readonly (readonly [number, number])[];
  readonly outShape: readonly number[];
}

/**
 * Average pooling geometry. The divisor of a window follows PyTorch: with
 * `countIncludePad` it is the number of window positions inside the padded
 * input (start at −before, end clipped to in + after); without it, the number
 * of positions inside the real input.
 */
export interface AvgPoolGeometry extends WindowGeometry {
  readonly countIncludePad: boolean;
}

/** Result of max pooling: the maxima and, for each, the flat index into the whole x (n, c and spatial) it came from. */
export interface MaxPoolResult {
  readonly y: TensorInfo;
  readonly indices: TensorInfo;
}

/** Result of batch normalization in training: y and the per-channel statistics it normalized by. */
export interface BatchNormTrainingResult {
  /** (x − mean)·weight/√(variance + eps) + bias, shaped as x. */
  readonly y: TensorInfo;
  /** Per-channel mean, shape [C]. */
  readonly mean: TensorInfo;
  /** Per-channel biased variance (divided by the values per channel), shape [C]. */
  readonly variance: TensorInfo;
}

/** Gradients of batch normalization in training with respect to x, the weight and the bias. */
export interface BatchNormGradients {
  /** Shaped as x. */
  readonly dx: TensorInfo;
  /** Σ dy·(x − mean)/√(variance + eps) per channel, shape [C] (given even without a weight). */
  readonly dWeight: TensorInfo;
  /** Σ dy per channel, shape [C]. */
  readonly dBias: TensorInfo;
}

/**
 * The update rule of a fused optimizer step, with one parameter group's
 * hyperparameters and learning rate. Each rule is torch.optim's, step for
 * step: `sgd` is SGD with its momentum, dampening, Nesterov, L2 weight
 * decay and maximize; `adam` is Adam (decoupled: AdamW) without amsgrad.
 */
export type OptimizerStepRule =
  | {
      readonly kind: 'sgd';
      readonly lr: number;
      readonly momentum: number;
      readonly dampening: number;
      readonly nesterov: boolean;
      readonly weightDecay: number;
      readonly maximize: boolean;
    }
  | {
      readonly kind: 'adam';
      readonly lr: number;
      readonly beta1: number;
      readonly beta2: number;
      readonly eps: number;
      readonly weightDecay: number;
      /** AdamW's p·(1 − lr·wd) instead of Adam's wd·p added to the gradient. */
      readonly decoupled: boolean;
      readonly maximize: boolean;
    };

/** One parameter of a fused optimizer step: its value, gradient and state, all float32 of one shape. */
export interface OptimizerStepEntry {
  readonly param: TensorInfo;
  readonly grad: TensorInfo;
  /**
   * The rule's state before this step, empty on a parameter's first step:
   * sgd with momentum [momentum_buffer] (none without momentum), adam
   * [exp_avg, exp_avg_sq].
   */
  readonly state: readonly TensorInfo[];
  /** This parameter's step, from 1 (Adam's bias corrections). */
  readonly t: number;
}

/** A parameter's new value and state (in the order of OptimizerStepEntry.state, always complete). */
export interface OptimizerStepResult {
  readonly param: TensorInfo;
  readonly state: readonly TensorInfo[];
}

/** How softmaxCrossEntropy treats its rows: the ignored target, the factor and the sum (see Backend). */
export interface SoftmaxCrossEntropyOptions {
  /** Rows whose target is this add nothing. */
  readonly ignoreIndex: number;
  /** Multiplies every row's loss: 1 for a sum, 1/(targets not ignored) for a mean. */
  readonly scale: number;
  /** Sum the rows into one value (true), or keep one per row. */
  readonly reduce: boolean;
}

/** Tensor storage a backend holds (not its scratch space or allocator overhead). */
export interface BackendMemory {
  /** Bytes of tensor storage currently allocated. */
  readonly bytes: number;
  /** Storage buffers currently allocated. */
  readonly buffers: number;
}

/**
 * The contract every backend implements: storage plus a small set of kernels.
 * A backend never sees the autograd tape; gradient rules live in core and are
 * expressed with these same kernels, so a backend that implements them trains.
 *
 * Every kernel returns freshly allocated storage (never an alias of an input),
 * contiguous and row-major. Inputs are valid (core checks shapes and dtypes
 * and throws typed errors before calling a kernel), so kernels need not
 * re-validate. Kernels must not retain or mutate their inputs.
 *
 * The optional convolution backprop kernels are fast paths: when a backend
 * leaves them out, core composes them from `unfold`, `fold` and `matmul`.
 *
 * @example
 * ```ts
 * registerBackend('mine', async () => new MyBackend());
 * await setBackend('mine');
 * ```
 */
export interface Backend {
  /** The name it is registered under. */
  readonly name: string;
  /** The dtypes it stores; core raises a typed error for any other. */
  readonly dtypes: readonly DType[];

  // ---- storage ----
  /** Copies `values` (length = product of shape, the dtype's array type) into new storage. */
  write(values: TypedArray, shape: Shape, dtype: DType): DataId;
  /** Returns a copy of the storage's contents (safe to keep). */
  readSync(dataId: DataId, dtype: DType): TypedArray;
  /** Same as readSync, possibly waiting for asynchronous work. */
  read(dataId: DataId, dtype: DType): Promise<TypedArray>;
  /** Frees the storage. Called exactly once per DataId by core. */
  disposeData(dataId: DataId): void;
  /** What the backend holds now. */
  memory(): BackendMemory;
  /** Releases what the backend owns beyond tensor storage (worker threads, modules). Optional. */
  dispose?(): void;

  // ---- elementwise ----
  unary(op: UnaryOp, x: TensorInfo): TensorInfo;
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo;
  /** `cond` is bool; a and b share a dtype; all three broadcast together. */
  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo): TensorInfo;
  /** Converts values; to bool: x ≠ 0; from float to int32: truncation toward zero. */
  cast(x: TensorInfo, dtype: DType): TensorInfo;
  /**
   * Optional fused kernel: relu's gradient dy·[x > 0] in one pass, for dy and
   * x of the same shape and the same float dtype. Without it core composes
   * `binary('greater')`, `cast` and `binary('mul')`; the conformance kit holds
   * the fused kernel to that composition.
   */
  reluBackward?(dy: TensorInfo, x: TensorInfo): TensorInfo;
  /**
   * Optional fused kernel: batch normalization with the batch's statistics
   * over every axis of the N×C×… float x but the channel axis 1, as two
   * passes for the statistics (mean, then the mean of squared deviations)
   * and one for y. `weight` and `bias` are [C] vectors of x's dtype or null
   * (1 and 0). Implement both of the pair or neither: core uses them
   * together, and otherwise composes reductions and elementwise kernels;
   * the conformance kit holds both to a float64 loop.
   */
  batchNormTraining?(
    x: TensorInfo,
    weight: TensorInfo | null,
    bias: TensorInfo | null,
    eps: number,
  ): BatchNormTrainingResult;
  /** Optional fused kernel: the gradients of batchNormTraining at x given dy, with the mean and variance it returned. */
  batchNormBackward?(
    dy: TensorInfo,
    x: TensorInfo,
    mean: TensorInfo,
    variance: TensorInfo,
    weight: TensorInfo | null,
    eps: number,
  ): BatchNormGradients;
  /**
   * Optional fused kernel: batch normalization with given per-channel
   * statistics (inference), y = (x − mean)·s + bias with
   * s = weight/√(variance + eps), over the channel axis 1 of the N×C×…
   * float x, in one pass over x. `mean` and `variance` are [C] vectors of
   * x's dtype; `weight` and `bias` likewise or null (1 and 0). Core calls it
   * only when no tape records the op; otherwise, and on backends without
   * it, it composes elementwise kernels. The conformance kit holds it to a
   * float64 loop.
   */
  batchNormInference?(
    x: TensorInfo,
    mean: TensorInfo,
    variance: TensorInfo,
    weight: TensorInfo | null,
    bias: TensorInfo | null,
    eps: number,
  ): TensorInfo;

  // ---- reductions ----
  /** Reduces over `axes` (sorted, unique, non-empty). Output shape: x.shape without those axes. */
  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): TensorInfo;
  /** int32 indices along `axis`; output shape: x.shape without it. */
  argReduce(op: ArgReduceOp, x: TensorInfo, axis: number): TensorInfo;

  // ---- linear algebra ----
  /**
   * Batched matrix product of rank-3 operands: a is B×M×K (or B×K×M when
   * transposeA), b is B×K×N (or B×N×K when transposeB), where either batch
   * may be 1 and then broadcasts. Output: max(Ba, Bb)×M×N, float dtypes only.
   */
  matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo;

  // ---- layout ----
  /** Output dim i = x dim perm[i]. */
  transpose(x: TensorInfo, perm: readonly number[]): TensorInfo;
  /** Contiguous block: begin[i] ≤ begin[i] + size[i] ≤ shape[i]. */
  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo;
  /** Constant padding per dimension with [before, after] pairs (non-negative); for bool, `value ≠ 0`. */
  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): TensorInfo;
  /** Joins tensors of one dtype whose shapes agree except along `axis`. */
  concat(xs: readonly TensorInfo[], axis: number): TensorInfo;
  /**
   * Picks slices along `axis` (tfjs/NumPy `take`): output shape
   * x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]. indices are int32 in range.
   */
  gather(x: TensorInfo, indices: TensorInfo, axis: number): TensorInfo;
  /**
   * The adjoint of gather: a zero tensor whose `axis` has length `axisSize`,
   * into which each slice of `dy` is added at its index (repeats accumulate).
   */
  scatterAdd(dy: TensorInfo, indices: TensorInfo, axis: number, axisSize: number): TensorInfo;

  // ---- convolution (rank = w.shape.length − 2) ----
  /** y = x ⋆ w (cross-correlation), no bias. */
  conv(x: TensorInfo, w: TensorInfo, geometry: ConvGeometry): TensorInfo;
  /** dx for y = conv(x, w): the transposed convolution of dy with w, shaped `xShape`. */
  convBackpropInput?(dy: TensorInfo, w: TensorInfo, geometry: ConvGeometry, xShape: Shape): TensorInfo;
  /** dw for y = conv(x, w), shaped `wShape`. */
  convBackpropFilter?(x: TensorInfo, dy: TensorInfo, geometry: ConvGeometry, wShape: Shape): TensorInfo;

  // ---- sliding windows ----
  /**
   * im2col: N×C×(spatial) → N×(C·∏kernel)×L with L = ∏outShape; the column
   * index runs over c, then kernel offsets in row-major order; positions
   * outside the input read 0.
   */
  unfold(x: TensorInfo, geometry: WindowGeometry): TensorInfo;
  /** col2im, the adjoint of unfold: overlapping contributions add up. */
  fold(cols: TensorInfo, geometry: WindowGeometry, xShape: Shape): TensorInfo;
  /** Max over each window (positions outside the input are skipped; a window with none yields −Infinity and index −1 is never produced for valid geometry). */
  maxPool(x: TensorInfo, geometry: WindowGeometry): MaxPoolResult;
  /**
   * Optional fused kernel: max pooling's gradient, a zero tensor shaped
   * `xShape` with each float element of dy added at its index (indices as
   * maxPool returns them: flat into x, and inside the N×C plane of their
   * dy element). Without it core runs `scatterAdd` of the flattened dy;
   * knowing that each plane's adds stay in its plane lets a backend split
   * the planes between threads. The conformance kit holds it to the scatterAdd.
   */
  maxPoolBackward?(dy: TensorInfo, indices: TensorInfo, xShape: Shape): TensorInfo;

  // ---- losses ----
  /**
   * Optional fused kernel: cross-entropy of float N×C logits at int32 class
   * indices [N], as one pass instead of about fifteen kernels on small
   * tensors. Row i's loss is log Σ_c exp(x_ic) − x_{i,tᵢ}, or 0 where tᵢ is
   * `how.ignoreIndex`; the result is `how.scale`·Σᵢ lossᵢ shaped [] when
   * `how.reduce`, else scale·lossᵢ shaped [N]. Implement it with the backward or neither;
   * the conformance kit holds both to a float64 loop.
   */
  softmaxCrossEntropy?(logits: TensorInfo, targets: TensorInfo, how: SoftmaxCrossEntropyOptions): TensorInfo;
  /**
   * The gradient of softmaxCrossEntropy with respect to the logits, for its
   * gradient dy ([] when `how.reduce`, else [N]): dx_ic = dyᵢ·scale·(softmax_ic −
   * [c = tᵢ]), zero rows where tᵢ is the ignored index.
   */
  softmaxCrossEntropyBackward?(
    dy: TensorInfo,
    logits: TensorInfo,
    targets: TensorInfo,
    how: SoftmaxCrossEntropyOptions,
  ): TensorInfo;

  // ---- optimizers ----
  /**
   * Optional fused kernel: one optimizer step for many float32 parameters of
   * one group, in one call instead of about two (SGD) to thirteen (Adam)
   * elementwise kernels per parameter. Inputs are left as they are; the
   * results are new storage. Without it core composes the rule from
   * elementwise ops; the conformance kit holds the kernel to a float64 loop
   * of the same rule.
   */
  optimizerStep?(rule: OptimizerStepRule, entries: readonly OptimizerStepEntry[]): OptimizerStepResult[];
  avgPool(x: TensorInfo, geometry: AvgPoolGeometry): TensorInfo;
  /** The adjoint of avgPool (linear in dy). */
  avgPoolBackward(dy: TensorInfo, geometry: AvgPoolGeometry, xShape: Shape): TensorInfo;
}

/** Creates a ready backend; may be async (e.g. compiling WebAssembly). */
export type BackendFactory = () => Backend | Promise<Backend>;
