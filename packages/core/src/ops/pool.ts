import type { AvgPoolGeometry, WindowGeometry } from '../backend/contract.js';
import type { Shape } from '../backend/types.js';
import { tensor } from '../tensor/creation.js';
import { isRecording, recordOp } from '../autograd/tape.js';
import { ensureOnActiveBackend, makeTensor, freeOnThrow } from '../tensor/engine.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../util/errors.js';
import { type WindowOptions, windowGeometry } from './conv-geometry.js';
import { isFloat, mul, pow } from './elementwise.js';
import { reshape, scatterAdd } from './layout.js';
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

const maxPoolNd = freeOnThrow(function maxPoolNd(
  op: string,
  rank: number,
  x: Tensor,
  kernelSize: number | readonly number[],
  options: WindowOptions,
): Tensor {
  assertFloat(op, x);
  const g = windowGeometry(op, rank, x.shape, kernelSize, options, 'kernel');
  assertPaddingAtMostHalfKernel(op, g);
  return maxPoolOp(x, g);
});

/**
 * Max pooling as an op. The kernel also returns where each maximum came
 * from; the gradient scatters dy there (and the gradient of that scatter
 * gathers), so every order of derivative is defined. The indices ride on the
 * tape as a non-differentiable input so they live exactly as long as needed.
 */
function maxPoolOp(x: Tensor, g: WindowGeometry): Tensor {
  const backend = ensureOnActiveBackend(x, 'maxPool');
  const r = callKernel('maxPool', () => backend.maxPool(info(x), g));
  const y = makeTensor(r.y, backend);
  const indices = makeTensor(r.indices, backend);
  if (isRecording([x])) {
    recordOp('maxPool', [x, indices], y, (dy) => [
      reshape(scatterAdd(reshape(dy, [-1]), reshape(indices, [-1]), 0, x.size), x.shape),
      null,
    ]);
  }
  indices.disposeWhenFree();
  return y;
}

/** Max pooling over the last dimension of N×C×L. @example `maxPool1d(x, 2)` */
export function maxPool1d(x: Tensor, kernelSize: number | readonly number[], options: WindowOptions = {}): Tensor {
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
export function maxPool2d(x: Tensor, kernelSize: number | readonly number[], options: WindowOptions = {}): Tensor {
  return maxPoolNd('maxPool2d', 2, x, kernelSize, options);
}

/** Max pooling over D×H×W of N×C×D×H×W. */
export function maxPool3d(x: Tensor, kernelSize: number | readonly number[], options: WindowOptions = {}): Tensor {
  return maxPoolNd('maxPool3d', 3, x, kernelSize, options);
}

/** Options of average pooling. */
export interface AvgPoolOptions extends Omit<WindowOptions, 'dilation'> {
  /** Count padded positions in the divisor (PyTorch's default: true). */
  readonly countIncludePad?: boolean;
}

const avgPoolNd = freeOnThrow(function avgPoolNd(
  op: string,
  rank: number,
  x: Tensor,
  kernelSize: number | readonly number[],
  options: AvgPoolOptions,
): Tensor {
  assertFloat(op, x);
  const w = windowGeometry(op, rank, x.shape, kernelSize, options, 'kernel');
  assertPaddingAtMostHalfKernel(op, w);
  return avgPoolOp(x, { ...w, countIncludePad: options.countIncludePad ?? true });
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
