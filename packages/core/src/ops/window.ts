import type { WindowGeometry } from '../backend/contract.js';
import type { Shape } from '../backend/types.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { DTypeError, ShapeError, fmtShape } from '../util/errors.js';
import { windowGeometry } from './conv-geometry.js';
import { isFloat } from './elementwise.js';
import { runOp } from './op.js';
import { freeOnThrow } from '../tensor/engine.js';
import { checkOptions } from '../util/options.js';

/** Options of unfold and fold, as torch.nn.functional.unfold. */
export interface UnfoldOptions {
  readonly stride?: number | readonly number[];
  readonly padding?: number | readonly number[];
  readonly dilation?: number | readonly number[];
}

const UNFOLD_OPTIONS = ['stride', 'padding', 'dilation'] as const;

/** unfold as an op on a resolved geometry: its gradient is fold, and fold's is unfold. */
export function unfoldOp(x: Tensor, g: WindowGeometry): Tensor {
  return runOp(
    'unfold',
    [x],
    (b, [xi]) => b.unfold(xi!, g),
    (dy) => [foldOp(dy, g, x.shape)],
  );
}

/** fold (col2im) as an op on a resolved geometry. */
export function foldOp(cols: Tensor, g: WindowGeometry, xShape: Shape): Tensor {
  return runOp(
    'fold',
    [cols],
    (b, [ci]) => b.fold(ci!, g, xShape),
    (dx) => [unfoldOp(dx, g)],
  );
}

/**
 * Extracts sliding local blocks (im2col): N×C×H×W → N×(C·kH·kW)×L, as
 * torch.nn.functional.unfold. Works for 1, 2 or 3 spatial dims.
 *
 * @example
 * ```ts
 * unfold(randn([1, 3, 4, 4]), 2).shape; // [1, 12, 9]
 * ```
 */
export const unfold = freeOnThrow(function unfold(
  x: Tensor,
  kernelSize: number | readonly number[],
  options: UnfoldOptions = {},
): Tensor {
  checkOptions('unfold', options, UNFOLD_OPTIONS);
  if (!isFloat(x.dtype)) throw new DTypeError('unfold', `expects a float tensor, got ${x.describe()}`);
  const rank = typeof kernelSize === 'number' ? x.rank - 2 : kernelSize.length;
  return unfoldOp(x, windowGeometry('unfold', rank, x.shape, kernelSize, options, 1));
});

/**
 * Combines sliding local blocks back into a tensor (col2im, the adjoint of
 * unfold: overlapping values add up), as torch.nn.functional.fold.
 *
 * @example
 * ```ts
 * fold(unfold(x, 2), [4, 4], 2).shape; // x.shape
 * ```
 */
export const fold = freeOnThrow(function fold(
  cols: Tensor,
  outputSize: readonly number[],
  kernelSize: number | readonly number[],
  options: UnfoldOptions = {},
): Tensor {
  checkOptions('fold', options, UNFOLD_OPTIONS);
  if (cols.rank !== 3) throw new ShapeError('fold', `cols must be N×(C·∏kernel)×L, got ${fmtShape(cols.shape)}`);
  const rank = outputSize.length;
  const kernel = typeof kernelSize === 'number' ? new Array<number>(rank).fill(kernelSize) : kernelSize;
  const k = sizeOf(kernel);
  if (cols.shape[1]! % k !== 0)
    throw new ShapeError('fold', `cols ${fmtShape(cols.shape)}: dim 1 must be a multiple of the kernel size ${k}`);
  const xShape = [cols.shape[0]!, cols.shape[1]! / k, ...outputSize];
  const g = windowGeometry('fold', rank, xShape, kernel, options, 1);
  if (sizeOf(g.outShape) !== cols.shape[2]) {
    throw new ShapeError(
      'fold',
      `cols ${fmtShape(cols.shape)} has ${cols.shape[2]} blocks but output ${fmtShape(outputSize)} with kernel ${fmtShape(kernel)} has ${sizeOf(g.outShape)}`,
    );
  }
  return foldOp(cols, g, xShape);
});
