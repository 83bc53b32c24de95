import type { AvgPoolGeometry, WindowGeometry } from '../backend/contract.js';
import type { Shape } from '../backend/types.js';
import { tensor } from '../tensor/creation.js';
import { isRecording, recordOp } from '../autograd/tape.js';
import { ensureOnActiveBackend, makeTensor, freeOnThrow } from '../tensor/engine.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtValue } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { type WindowOptions, windowGeometry } from './conv-geometry.js';
import { isFloat, mul, pow, sub } from './elementwise.js';
import { maxPoolBackward } from './fused.js';
import { reshape } from './layout.js';
import { matmul } from './matmul.js';
import { callKernel, info, runOp } from './op.js';
import { max, mean } from './reduce.js';

function assertFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new DTypeError(op, `expects float32 or float64, got ${x.describe()}`);
}

/** Padding beyond half the kernel would let a window see only padding (PyTorch refuses it too). */
function assertPaddingAtMostHalfKernel(op: string, g: WindowGeometry): void {
  g.padding.forEach(([before, after], i) => {
    if (before > g.kernel[i]! / 2 || after > g.kernel[i]! / 2)
      throw new ArgumentError(
        op,
        `padding ${JSON.stringify(g.padding)} must be at most half the kernel ${JSON.stringify(g.kernel)}`,
      );
  });
}

/** Options of max pooling: the window geometry, and whether to return where each maximum came from. */
export interface MaxPoolOptions extends WindowOptions {
  /**
   * Also return the int32 indices of the maxima, flattened per channel plane
   * (as PyTorch's return_indices), for maxUnpool1d/2d/3d.
   */
  readonly returnIndices?: boolean;
}

/** Max pooling's values with the int32 indices of the maxima, each flattened over its own channel plane. */
export type PoolWithIndices = [values: Tensor, indices: Tensor];

const MAX_POOL_OPTIONS = ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'] as const;

const maxPoolNd = freeOnThrow(function maxPoolNd(
  op: string,
  rank: number,
  x: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPoolOptions,
): Tensor | PoolWithIndices {
  checkOptions(op, options, MAX_POOL_OPTIONS);
  assertFloat(op, x);
  const g = windowGeometry(op, rank, x.shape, kernelSize, options, 'kernel');
  assertPaddingAtMostHalfKernel(op, g);
  return maxPoolOp(x, g, options.returnIndices ?? false);
});

/**
 * The offset of each N×C plane in a flat tensor of `planeSize`-element planes,
 * shaped N×C×1…1 to broadcast over the spatial dims.
 */
export function planeOffsets(n: number, c: number, planeSize: number, rank: number): Tensor {
  const offsets = new Int32Array(n * c);
  for (let i = 0; i < n * c; i++) offsets[i] = i * planeSize;
  return tensor(offsets, [n, c, ...new Array<number>(rank).fill(1)], 'int32');
}

/**
 * Max pooling as an op. The kernel also returns where each maximum came
 * from; the gradient scatters dy there (and the gradient of that scatter
 * gathers), so every order of derivative is defined. The indices ride on the
 * tape as a non-differentiable input so they live exactly as long as needed.
 */
function maxPoolOp(x: Tensor, g: WindowGeometry, returnIndices: boolean): Tensor | PoolWithIndices {
  const backend = ensureOnActiveBackend(x, 'maxPool');
  const r = callKernel('maxPool', () => backend.maxPool(info(x), g), [info(x)]);
  const y = makeTensor(r.y, backend);
  const indices = makeTensor(r.indices, backend);
  if (isRecording([x])) {
    recordOp('maxPool', [x, indices], y, (dy) => [maxPoolBackward(dy, indices, x.shape), null]);
  }
  // The kernel's indices run over the whole of x; PyTorch's restart in every channel plane.
  let planeIndices: Tensor | undefined;
  if (returnIndices) {
    const offsets = planeOffsets(x.shape[0]!, x.shape[1]!, sizeOf(x.shape.slice(2)), x.rank - 2);
    planeIndices = sub(indices, offsets);
    offsets.disposeWhenFree();
  }
  indices.disposeWhenFree();
  return planeIndices ? [y, planeIndices] : y;
}

/**
 * Max pooling over the last dimension of N×C×L.
 *
 * @example
 * ```ts
 * maxPool1d(tensor([[[1, 5, 2, 0]]]), 2).toArray(); // [[[5, 2]]]
 * maxPool1d(tensor([[[1, 5, 2, 0]]]), 2, { returnIndices: true })[1].toArray(); // [[[1, 2]]]
 * ```
 */
export function maxPool1d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPoolOptions & { readonly returnIndices: true },
): PoolWithIndices;
export function maxPool1d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options?: MaxPoolOptions & { readonly returnIndices?: false },
): Tensor;
export function maxPool1d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPoolOptions,
): Tensor | PoolWithIndices;
export function maxPool1d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPoolOptions = {},
): Tensor | PoolWithIndices {
  return maxPoolNd('maxPool1d', 1, x, kernelSize, options);
}

/**
 * Max pooling over H×W of N×C×H×W, with stride (default = kernel), padding,
 * dilation and ceilMode, as torch.nn.functional.max_pool2d.
 *
 * @example
 * ```ts
 * maxPool2d(tensor([[[[2, 2, 7, 3], [9, 4, 6, 1], [8, 5, 2, 4], [3, 1, 2, 6]]]]), 2).toArray(); // [[[[9, 7], [8, 6]]]]
 * ```
 */
export function maxPool2d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPoolOptions & { readonly returnIndices: true },
): PoolWithIndices;
export function maxPool2d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options?: MaxPoolOptions & { readonly returnIndices?: false },
): Tensor;
export function maxPool2d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPoolOptions,
): Tensor | PoolWithIndices;
export function maxPool2d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPoolOptions = {},
): Tensor | PoolWithIndices {
  return maxPoolNd('maxPool2d', 2, x, kernelSize, options);
}

/** Max pooling over D×H×W of N×C×D×H×W. */
export function maxPool3d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPoolOptions & { readonly returnIndices: true },
): PoolWithIndices;
export function maxPool3d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options?: MaxPoolOptions & { readonly returnIndices?: false },
): Tensor;
export function maxPool3d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPoolOptions,
): Tensor | PoolWithIndices;
export function maxPool3d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPoolOptions = {},
): Tensor | PoolWithIndices {
  return maxPoolNd('maxPool3d', 3, x, kernelSize, options);
}

/** Options of average pooling. */
export interface AvgPoolOptions extends Omit<WindowOptions, 'dilation'> {
  /** Count padded positions in the divisor (PyTorch's default: true). */
  readonly countIncludePad?: boolean;
  /**
   * Divide every window's sum by this non-zero integer instead of its size
   * (PyTorch's divisor_override; countIncludePad then has no effect).
   */
  readonly divisorOverride?: number;
}

const AVG_POOL_OPTIONS = ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'] as const;

/** How many positions of each window lie inside the input, per output position (shaped like the output's spatial dims). */
function windowCounts(g: WindowGeometry, inSpatial: readonly number[]): Float64Array {
  const perDim = g.outShape.map((out, d) =>
    Array.from({ length: out }, (_, o) => {
      const start = o * g.stride[d]! - g.padding[d]![0];
      return Math.min(start + g.kernel[d]!, inSpatial[d]!) - Math.max(start, 0);
    }),
  );
  const counts = new Float64Array(sizeOf(g.outShape)).fill(1);
  let stride = counts.length;
  perDim.forEach((c) => {
    stride /= c.length;
    for (let i = 0; i < counts.length; i++) counts[i]! *= c[Math.floor(i / stride) % c.length]!;
  });
  return counts;
}

const avgPoolNd = freeOnThrow(function avgPoolNd(
  op: string,
  rank: number,
  x: Tensor,
  kernelSize: number | readonly number[],
  options: AvgPoolOptions,
): Tensor {
  checkOptions(op, options, AVG_POOL_OPTIONS);
  assertFloat(op, x);
  const w = windowGeometry(op, rank, x.shape, kernelSize, options, 'kernel');
  assertPaddingAtMostHalfKernel(op, w);
  const divisor = options.divisorOverride;
  if (divisor === undefined) return avgPoolOp(x, { ...w, countIncludePad: options.countIncludePad ?? true });
  if (!Number.isInteger(divisor) || divisor === 0)
    throw new ArgumentError(op, `divisorOverride must be a non-zero integer, got ${fmtValue(divisor)}`);
  // Window sum = mean over the in-bounds positions × their count; then PyTorch divides by the override.
  const counts = windowCounts(w, x.shape.slice(2)).map((c) => c / divisor);
  const scale = tensor(x.dtype === 'float64' ? counts : Float32Array.from(counts), w.outShape, x.dtype);
  const y = mul(avgPoolOp(x, { ...w, countIncludePad: false }), scale);
  scale.disposeWhenFree();
  return y;
});

function avgPoolOp(x: Tensor, g: AvgPoolGeometry): Tensor {
  return runOp(
    'avgPool',
    [x],
    (b, [xi]) => b.avgPool(xi!, g),
    (dy) => [avgPoolBackward(dy, g, x.shape)],
  );
}

function avgPoolBackward(dy: Tensor, g: AvgPoolGeometry, xShape: Shape): Tensor {
  return runOp(
    'avgPoolBackward',
    [dy],
    (b, [di]) => b.avgPoolBackward(di!, g, xShape),
    (ddx) => [avgPoolOp(ddx, g)],
  );
}

/** Average pooling over the last dimension of N×C×L. */
export function avgPool1d(x: Tensor, kernelSize: number | readonly number[], options: AvgPoolOptions = {}): Tensor {
  return avgPoolNd('avgPool1d', 1, x, kernelSize, options);
}

/** Average pooling over H×W, as torch.nn.functional.avg_pool2d (countIncludePad, ceilMode). */
export function avgPool2d(x: Tensor, kernelSize: number | readonly number[], options: AvgPoolOptions = {}): Tensor {
  return avgPoolNd('avgPool2d', 2, x, kernelSize, options);
}

/** Average pooling over D×H×W. */
export function avgPool3d(x: Tensor, kernelSize: number | readonly number[], options: AvgPoolOptions = {}): Tensor {
  return avgPoolNd('avgPool3d', 3, x, kernelSize, options);
}

const lpPoolNd = freeOnThrow(function lpPoolNd(
  op: string,
  rank: number,
  x: Tensor,
  p: number,
  kernelSize: number | readonly number[],
  options: Omit<WindowOptions, 'padding' | 'dilation'>,
): Tensor {
  checkOptions(op, options, ['stride', 'ceilMode']);
  if (!(p > 0) || !Number.isFinite(p))
    throw new ArgumentError(op, `power p must be a positive finite number, got ${p}`);
  const k = typeof kernelSize === 'number' ? kernelSize ** rank : sizeOf(kernelSize);
  const sums = mul(avgPoolNd(op, rank, pow(x, p), kernelSize, { ...options, countIncludePad: true }), k);
  return pow(sums, 1 / p);
});

/**
 * Power-average pooling (Σ xᵖ)^(1/p) over each window, as torch's LPPool1d:
 * p = 1 is sum pooling, p → ∞ approaches max pooling.
 */
export function lpPool1d(
  x: Tensor,
  p: number,
  kernelSize: number | readonly number[],
  options: Omit<WindowOptions, 'padding' | 'dilation'> = {},
): Tensor {
  return lpPoolNd('lpPool1d', 1, x, p, kernelSize, options);
}

/** Power-average pooling over H×W, as torch's LPPool2d. @example `lpPool2d(x, 2, 3)` */
export function lpPool2d(
  x: Tensor,
  p: number,
  kernelSize: number | readonly number[],
  options: Omit<WindowOptions, 'padding' | 'dilation'> = {},
): Tensor {
  return lpPoolNd('lpPool2d', 2, x, p, kernelSize, options);
}

/** Power-average pooling over D×H×W. */
export function lpPool3d(
  x: Tensor,
  p: number,
  kernelSize: number | readonly number[],
  options: Omit<WindowOptions, 'padding' | 'dilation'> = {},
): Tensor {
  return lpPoolNd('lpPool3d', 3, x, p, kernelSize, options);
}

function spatialAxes(op: string, x: Tensor): number[] {
  if (x.rank < 3) throw new ShapeError(op, `x must be N×C×spatial…, got ${fmtShape(x.shape)}`);
  return x.shape.slice(2).map((_, i) => i + 2);
}

/** Mean over all spatial dims, keeping them as size 1: N×C×1×1. */
export const globalAvgPool = freeOnThrow(function globalAvgPool(x: Tensor): Tensor {
  return mean(x, spatialAxes('globalAvgPool', x), { keepDims: true });
});

/** Max over all spatial dims, keeping them as size 1: N×C×1×1. */
export const globalMaxPool = freeOnThrow(function globalMaxPool(x: Tensor): Tensor {
  return max(x, spatialAxes('globalMaxPool', x), { keepDims: true });
});

/** Rows average the input bins of PyTorch's adaptive pooling: [floor(i·n/out), ceil((i+1)·n/out)). */
function adaptiveMatrix(n: number, out: number, dtype: Tensor['dtype']): Tensor {
  const m = new Float64Array(out * n);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    for (let j = start; j < end; j++) m[i * n + j] = 1 / (end - start);
  }
  return tensor(dtype === 'float64' ? m : Float32Array.from(m), [out, n], dtype);
}

/**
 * Average pooling to a fixed output size, whatever the input size, as
 * torch.nn.functional.adaptive_avg_pool2d. Separable, so it is two matmuls.
 *
 * @example
 * ```ts
 * adaptiveAvgPool2d(randn([1, 512, 7, 7]), [1, 1]).shape; // [1, 512, 1, 1]
 * ```
 */
export const adaptiveAvgPool2d = freeOnThrow(function adaptiveAvgPool2d(
  x: Tensor,
  outputSize: number | readonly [number, number],
): Tensor {
  assertFloat('adaptiveAvgPool2d', x);
  if (x.rank !== 4) throw new ShapeError('adaptiveAvgPool2d', `x must be N×C×H×W, got ${fmtShape(x.shape)}`);
  const [oh, ow] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1)
    throw new ArgumentError(
      'adaptiveAvgPool2d',
      `outputSize must be positive integers, got ${JSON.stringify(outputSize)}`,
    );
  const [, , h, w] = x.shape as [number, number, number, number];
  if (h % oh === 0 && w % ow === 0) return avgPool2d(x, [h / oh, w / ow]);
  const rowsMatrix = adaptiveMatrix(h, oh, x.dtype);
  const colsMatrix = adaptiveMatrix(w, ow, x.dtype);
  const y = matmul(matmul(rowsMatrix, x), colsMatrix, { transposeB: true });
  rowsMatrix.disposeWhenFree();
  colsMatrix.disposeWhenFree();
  return y;
});

/**
 * Cross-channel pooling (maxout, Goodfellow et al. 2013): channels are
 * split into groups of `pieces` consecutive channels and each group keeps
 * its maximum, so C channels become C / pieces.
 *
 * @example
 * ```ts
 * maxout(randn([2, 12, 5, 5]), 3).shape; // [2, 4, 5, 5]
 * ```
 */
export const maxout = freeOnThrow(function maxout(x: Tensor, pieces: number, axis = 1): Tensor {
  const c = x.shape[axis];
  if (c === undefined || !Number.isInteger(pieces) || pieces < 1 || c % pieces !== 0) {
    throw new ShapeError('maxout', `${pieces} pieces must divide axis ${axis} of ${fmtShape(x.shape)}`);
  }
  const grouped = reshape(x, [...x.shape.slice(0, axis), c / pieces, pieces, ...x.shape.slice(axis + 1)]);
  return max(grouped, axis + 1);
});
