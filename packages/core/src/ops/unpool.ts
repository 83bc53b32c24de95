import { ones } from '../tensor/creation.js';
import { freeOnThrow } from '../tensor/engine.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtValue } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { perDim } from './conv-geometry.js';
import { add, div, isFloat, maximum } from './elementwise.js';
import { noGrad } from './gradient-control.js';
import { reshape, scatterAdd } from './layout.js';
import { planeOffsets } from './pool.js';

/** Options of max unpooling, as torch.nn.functional.max_unpool2d. */
export interface MaxUnpoolOptions {
  /** The pooling's stride (default: the kernel size). */
  readonly stride?: number | readonly number[];
  /** The pooling's padding, one number for every dim or one per dim. */
  readonly padding?: number | readonly number[];
  /** The spatial size to restore (or N×C×spatial), e.g. the pooling's input size when it was odd. */
  readonly outputSize?: readonly number[];
}

/** PyTorch's default is the smallest input the pooling could have come from; `outputSize` may be up to a stride away. */
function outputSpatial(
  op: string,
  x: Tensor,
  rank: number,
  kernelSize: number | readonly number[],
  options: MaxUnpoolOptions,
): number[] {
  const kernel = perDim(op, 'kernelSize', kernelSize, rank, 1, 1);
  const stride = options.stride === undefined ? kernel : perDim(op, 'stride', options.stride, rank, 1, 1);
  const padding = perDim(op, 'padding', options.padding, rank, 0, 0);
  const defaults = x.shape.slice(2).map((n, d) => (n - 1) * stride[d]! - 2 * padding[d]! + kernel[d]!);
  if (options.outputSize === undefined) return defaults;
  const requested = options.outputSize.length === rank + 2 ? options.outputSize.slice(2) : [...options.outputSize];
  if (requested.length !== rank)
    throw new ArgumentError(op, `outputSize needs ${rank} or ${rank + 2} entries, got ${fmtValue(options.outputSize)}`);
  requested.forEach((size, d) => {
    const lo = defaults[d]! - stride[d]!;
    const hi = defaults[d]! + stride[d]!;
    if (!Number.isInteger(size) || size <= lo || size >= hi)
      throw new ArgumentError(
        op,
        `outputSize ${fmtValue(options.outputSize)}: dim ${d} must be an integer strictly between ${lo} and ${hi}`,
      );
  });
  return requested;
}

/**
 * Places each value of x at its index in a zero tensor: the inverse of max
 * pooling with returnIndices. Indices that repeat (overlapping windows that
 * chose the same input) carry the same value, so their sum is divided by
 * how often each target was hit; the gradient is then the share of dy each
 * copy contributed (PyTorch gives every copy all of it, a gradient its own
 * forward does not have).
 */
function maxUnpoolNd(
  op: string,
  rank: number,
  x: Tensor,
  indices: Tensor,
  kernelSize: number | readonly number[],
  options: MaxUnpoolOptions,
): Tensor {
  checkOptions(op, options, ['stride', 'padding', 'outputSize']);
  if (!isFloat(x.dtype)) throw new DTypeError(op, `expects float32 or float64, got ${x.describe()}`);
  if (x.rank !== rank + 2)
    throw new ShapeError(op, `x must be ${rank + 2}-D (N, C, spatial×${rank}), got ${fmtShape(x.shape)}`);
  if (indices.dtype !== 'int32') throw new DTypeError(op, `indices must be int32, got ${indices.describe()}`);
  if (indices.shape.length !== x.rank || indices.shape.some((d, i) => d !== x.shape[i]))
    throw new ShapeError(op, `indices ${fmtShape(indices.shape)} must have the shape of x ${fmtShape(x.shape)}`);
  const out = outputSpatial(op, x, rank, kernelSize, options);
  const [n, c] = x.shape as [number, number];
  const plane = sizeOf(out);
  const values = indices.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (values[i]! < 0 || values[i]! >= plane)
      throw new ArgumentError(
        op,
        `index ${values[i]} at position ${i} is outside [0, ${plane}) for output ${fmtShape(out)}`,
      );
  }
  const offsets = planeOffsets(n, c, plane, rank);
  const target = reshape(add(indices, offsets), [-1]);
  offsets.dispose();
  const total = n * c * plane;
  const hits = noGrad(() => maximum(scatterAdd(ones([x.size], x.dtype), target, 0, total), 1));
  const y = reshape(div(scatterAdd(reshape(x, [-1]), target, 0, total), hits), [n, c, ...out]);
  target.disposeWhenFree();
  hits.disposeWhenFree();
  return y;
}

/**
 * The inverse of maxPool1d with returnIndices: N×C×L values back at their
 * indices, zeros elsewhere, as torch.nn.functional.max_unpool1d.
 *
 * @example
 * ```ts
 * const [y, i] = maxPool1d(tensor([[[1, 5, 2, 0]]]), 2, { returnIndices: true });
 * maxUnpool1d(y, i, 2).toArray(); // [[[0, 5, 2, 0]]]
 * ```
 */
export const maxUnpool1d = freeOnThrow(function maxUnpool1d(
  x: Tensor,
  indices: Tensor,
  kernelSize: number | readonly [number],
  options: MaxUnpoolOptions = {},
): Tensor {
  return maxUnpoolNd('maxUnpool1d', 1, x, indices, kernelSize, options);
});

/**
 * The inverse of maxPool2d with returnIndices, as torch.nn.functional.max_unpool2d.
 *
 * @example
 * ```ts
 * const [y, i] = maxPool2d(x, 2, { returnIndices: true });
 * maxUnpool2d(y, i, 2, { outputSize: x.shape }).shape; // x.shape
 * ```
 */
export const maxUnpool2d = freeOnThrow(function maxUnpool2d(
  x: Tensor,
  indices: Tensor,
  kernelSize: number | readonly [number, number],
  options: MaxUnpoolOptions = {},
): Tensor {
  return maxUnpoolNd('maxUnpool2d', 2, x, indices, kernelSize, options);
});

/**
 * The inverse of maxPool3d with returnIndices, as torch.nn.functional.max_unpool3d.
 * @example `maxUnpool3d(...maxPool3d(x, 2, { returnIndices: true }), 2).shape // x.shape when each dim of x is even`
 */
export const maxUnpool3d = freeOnThrow(function maxUnpool3d(
  x: Tensor,
  indices: Tensor,
  kernelSize: number | readonly [number, number, number],
  options: MaxUnpoolOptions = {},
): Tensor {
  return maxUnpoolNd('maxUnpool3d', 3, x, indices, kernelSize, options);
});
