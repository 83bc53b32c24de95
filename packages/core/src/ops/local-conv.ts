import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtValue } from '../util/errors.js';
import { windowGeometry } from './conv-geometry.js';
import { add, isFloat } from './elementwise.js';
import { gather, reshape, transpose } from './layout.js';
import { matmul } from './matmul.js';
import type { UnfoldOptions } from './window.js';
import { unfoldOp } from './window.js';
import { freeOnThrow } from '../tensor/engine.js';
import { checkOptions } from '../util/options.js';

/** Options of locally connected and tiled convolutions. */
export interface LocalConvOptions extends UnfoldOptions {
  /** Bias of shape [O] or [O, outH, outW] (unshared bias). */
  readonly bias?: Tensor;
}

const LOCAL_CONV_OPTIONS = ['stride', 'padding', 'dilation', 'bias'] as const;

function assertFloatPair(op: string, x: Tensor, w: Tensor): void {
  if (!isFloat(x.dtype) || x.dtype !== w.dtype)
    throw new DTypeError(op, `x and weight must share a float dtype, got ${x.describe()} and ${w.describe()}`);
}

function addBias(op: string, y: Tensor, bias: Tensor | undefined): Tensor {
  if (!bias) return y;
  const [, o, oh, ow] = y.shape as [number, number, number, number];
  if (bias.rank === 1 && bias.shape[0] === o) return add(y, reshape(bias, [o, 1, 1]));
  if (bias.rank === 3 && bias.shape[0] === o && bias.shape[1] === oh && bias.shape[2] === ow) return add(y, bias);
  throw new ShapeError(op, `bias must be [${o}] or [${o},${oh},${ow}], got ${fmtShape(bias.shape)}`);
}

/**
 * Unshared convolution (Goodfellow et al. §9.5): every output position has
 * its own kernel. x is N×C×H×W; weight is L×O×(C·kH·kW) with L = outH·outW
 * output positions in row-major order.
 *
 * @example
 * ```ts
 * // 6×6 input, 3×3 kernels, no padding: 4×4 = 16 positions, each with its own 2×(1·3·3) weights
 * locallyConnected2d(randn([1, 1, 6, 6]), randn([16, 2, 9]), [3, 3]).shape; // [1, 2, 4, 4]
 * ```
 */
export const locallyConnected2d = freeOnThrow(function locallyConnected2d(
  x: Tensor,
  w: Tensor,
  kernelSize: number | readonly [number, number],
  options: LocalConvOptions = {},
): Tensor {
  const op = 'locallyConnected2d';
  checkOptions(op, options, LOCAL_CONV_OPTIONS);
  assertFloatPair(op, x, w);
  const g = windowGeometry(op, 2, x.shape, kernelSize, options, 1);
  const [n, c] = x.shape as [number, number];
  const l = g.outShape[0]! * g.outShape[1]!;
  const ck = c * g.kernel[0]! * g.kernel[1]!;
  if (w.rank !== 3 || w.shape[0] !== l || w.shape[2] !== ck) {
    throw new ShapeError(
      op,
      `weight must be [${l}, O, ${ck}] (positions, out channels, C·kH·kW) for x ${fmtShape(x.shape)}, got ${fmtShape(w.shape)}`,
    );
  }
  const o = w.shape[1]!;
  const cols = transpose(unfoldOp(x, g), [2, 1, 0]);
  const y = transpose(matmul(w, cols), [2, 1, 0]);
  return addBias(op, reshape(y, [n, o, g.outShape[0]!, g.outShape[1]!]), options.bias);
});

/** Options of tiled convolution. */
export interface TiledConvOptions extends LocalConvOptions {
  /** Number of kernels cycled along each output axis (t, or [tH, tW]). */
  readonly tiles: number | readonly [number, number];
}

/**
 * Tiled convolution (Goodfellow et al. §9.5): tH×tW kernels are cycled over
 * the output positions, position (i, j) using kernel (i mod tH, j mod tW).
 * t = 1 is ordinary convolution; t = output size is locally connected.
 * Weight: tH×tW×O×C×kH×kW.
 *
 * @example
 * ```ts
 * tiledConv2d(randn([1, 1, 8, 8]), randn([2, 2, 4, 1, 3, 3]), { tiles: 2 }).shape; // [1, 4, 6, 6]
 * ```
 */
export const tiledConv2d = freeOnThrow(function tiledConv2d(x: Tensor, w: Tensor, options: TiledConvOptions): Tensor {
  const op = 'tiledConv2d';
  const { tiles, ...local } = checkOptions(op, options, [...LOCAL_CONV_OPTIONS, 'tiles']);
  assertFloatPair(op, x, w);
  const [th, tw] = typeof tiles === 'number' ? [tiles, tiles] : tiles;
  if (!Number.isInteger(th) || !Number.isInteger(tw) || th < 1 || tw < 1)
    throw new ArgumentError(op, `tiles must be positive integers, got ${fmtValue(tiles)}`);
  if (w.rank !== 6 || w.shape[0] !== th || w.shape[1] !== tw || w.shape[3] !== x.shape[1]) {
    throw new ShapeError(
      op,
      `weight must be [${th}, ${tw}, O, ${x.shape[1]}, kH, kW] for x ${fmtShape(x.shape)}, got ${fmtShape(w.shape)}`,
    );
  }
  const [, , o, c, kh, kw] = w.shape as [number, number, number, number, number, number];
  const g = windowGeometry(op, 2, x.shape, [kh, kw], options, 1);
  const [oh, ow] = g.outShape as [number, number];
  const which = new Int32Array(oh * ow);
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) which[i * ow + j] = (i % th) * tw + (j % tw);
  const index = tensor(which, [oh * ow], 'int32');
  const perPosition = gather(reshape(w, [th * tw, o, c * kh * kw]), index, 0);
  index.disposeWhenFree();
  return locallyConnected2d(x, perPosition, [kh, kw], local);
});
