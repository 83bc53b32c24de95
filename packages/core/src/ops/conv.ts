import type { Backend, ConvGeometry, WindowGeometry } from '../backend/contract.js';
import type { Shape, TensorInfo } from '../backend/types.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../util/errors.js';
import {
  type ConvOptions,
  type Padding,
  convGeometry,
  convOutputShape,
  perDim,
  resolvePadding,
} from './conv-geometry.js';
import { add, isFloat } from './elementwise.js';
import { pad, reshape } from './layout.js';
import { runOp } from './op.js';
import { freeOnThrow } from '../tensor/engine.js';
import { checkOptions } from '../util/options.js';

function windowOf(g: ConvGeometry, wShape: Shape, outSpatial: readonly number[]): WindowGeometry {
  return { kernel: wShape.slice(2), stride: g.stride, dilation: g.dilation, padding: g.padding, outShape: outSpatial };
}

function as(info: TensorInfo, shape: Shape): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/**
 * dx of a convolution composed from matmul and fold, for backends without
 * their own kernel: per group, cols = Wᵀ·dY, then col2im.
 */
export function composedConvBackpropInput(
  b: Backend,
  dy: TensorInfo,
  w: TensorInfo,
  g: ConvGeometry,
  xShape: Shape,
): TensorInfo {
  const [n, o] = dy.shape as [number, number];
  const groups = g.groups;
  const ck = sizeOf(w.shape.slice(1));
  const l = sizeOf(dy.shape.slice(2));
  const wg = as(w, [groups, o / groups, ck]);
  let colsInfo: TensorInfo;
  if (groups === 1 || n === 1) colsInfo = b.matmul(wg, as(dy, [n * groups, o / groups, l]), true, false);
  else {
    // matmul broadcasts a batch of 1 only, so with several groups and samples go sample by sample.
    const parts: TensorInfo[] = [];
    for (let i = 0; i < n; i++) {
      const dyi = b.slice(as(dy, [n, groups, o / groups, l]), [i, 0, 0, 0], [1, groups, o / groups, l]);
      parts.push(b.matmul(wg, as(dyi, [groups, o / groups, l]), true, false));
      b.disposeData(dyi.dataId);
    }
    colsInfo = b.concat(parts, 0);
    for (const p of parts) b.disposeData(p.dataId);
  }
  const dx = b.fold(as(colsInfo, [n, groups * ck, l]), windowOf(g, w.shape, dy.shape.slice(2)), xShape);
  b.disposeData(colsInfo.dataId);
  return dx;
}

/** dw of a convolution composed from unfold and matmul: Σₙ dYₙ·colsₙᵀ per group. */
export function composedConvBackpropFilter(
  b: Backend,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
  wShape: Shape,
): TensorInfo {
  const [n, o] = dy.shape as [number, number];
  const groups = g.groups;
  const ck = sizeOf(wShape.slice(1));
  const l = sizeOf(dy.shape.slice(2));
  const cols = b.unfold(x, windowOf(g, wShape, dy.shape.slice(2)));
  const perSample = b.matmul(as(dy, [n * groups, o / groups, l]), as(cols, [n * groups, ck, l]), false, true);
  b.disposeData(cols.dataId);
  const dw = b.reduce('sum', as(perSample, [n, groups * (o / groups) * ck]), [0]);
  b.disposeData(perSample.dataId);
  return as(dw, wShape);
}

function backpropInputKernel(b: Backend, dy: TensorInfo, w: TensorInfo, g: ConvGeometry, xShape: Shape): TensorInfo {
  return b.convBackpropInput ? b.convBackpropInput(dy, w, g, xShape) : composedConvBackpropInput(b, dy, w, g, xShape);
}

function backpropFilterKernel(b: Backend, x: TensorInfo, dy: TensorInfo, g: ConvGeometry, wShape: Shape): TensorInfo {
  return b.convBackpropFilter
    ? b.convBackpropFilter(x, dy, g, wShape)
    : composedConvBackpropFilter(b, x, dy, g, wShape);
}

/**
 * The convolution kernel as a differentiable op (no bias). Its gradients
 * are the two backprop ops below, whose gradients are convolutions again, so
 * every order of derivative is available.
 */
export function convOp(x: Tensor, w: Tensor, g: ConvGeometry): Tensor {
  return runOp(
    'conv',
    [x, w],
    (b, [xi, wi]) => b.conv(xi!, wi!, g),
    (dy, needs) => [
      needs[0] ? convBackpropInput(dy, w, g, x.shape) : null,
      needs[1] ? convBackpropFilter(x, dy, g, w.shape) : null,
    ],
  );
}

/** dx of y = conv(x, w) given dy (the transposed convolution), as an op. */
export function convBackpropInput(dy: Tensor, w: Tensor, g: ConvGeometry, xShape: Shape): Tensor {
  return runOp(
    'convBackpropInput',
    [dy, w],
    (b, [di, wi]) => backpropInputKernel(b, di!, wi!, g, xShape),
    (ddx, needs) => [needs[0] ? convOp(ddx, w, g) : null, needs[1] ? convBackpropFilter(ddx, dy, g, w.shape) : null],
  );
}

/** dw of y = conv(x, w) given dy, as an op. */
export function convBackpropFilter(x: Tensor, dy: Tensor, g: ConvGeometry, wShape: Shape): Tensor {
  return runOp(
    'convBackpropFilter',
    [x, dy],
    (b, [xi, di]) => backpropFilterKernel(b, xi!, di!, g, wShape),
    (ddw, needs) => [needs[0] ? convBackpropInput(dy, ddw, g, x.shape) : null, needs[1] ? convOp(x, ddw, g) : null],
  );
}

/** Options of conv1d/2d/3d: geometry plus an optional bias of shape [O]. */
export interface ConvNdOptions extends ConvOptions {
  readonly bias?: Tensor;
}

const CONV_ND_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'bias'] as const;

function assertFloatPair(op: string, x: Tensor, w: Tensor): void {
  if (!isFloat(x.dtype) || x.dtype !== w.dtype)
    throw new DTypeError(op, `x and weight must share a float dtype, got ${x.describe()} and ${w.describe()}`);
}

function addBias(op: string, y: Tensor, bias: Tensor | undefined, rank: number): Tensor {
  if (!bias) return y;
  if (bias.rank !== 1 || bias.shape[0] !== y.shape[1])
    throw new ShapeError(op, `bias must be [${y.shape[1]}], got ${fmtShape(bias.shape)}`);
  return add(y, reshape(bias, [bias.shape[0]!, ...new Array<number>(rank).fill(1)]));
}

const convNd = freeOnThrow(function convNd(
  op: string,
  rank: number,
  x: Tensor,
  w: Tensor,
  options: ConvNdOptions,
): Tensor {
  checkOptions(op, options, CONV_ND_OPTIONS);
  assertFloatPair(op, x, w);
  const g = convGeometry(op, rank, x.shape, w.shape, options);
  return addBias(op, convOp(x, w, g), options.bias, rank);
});

/**
 * 1-D cross-correlation: x N×C×L, weight O×(C/groups)×K (PyTorch layout).
 *
 * @example
 * ```ts
 * conv1d(randn([1, 2, 10]), randn([4, 2, 3]), { padding: 'same' }).shape; // [1, 4, 10]
 * ```
 */
export function conv1d(x: Tensor, w: Tensor, options: ConvNdOptions = {}): Tensor {
  return convNd('conv1d', 1, x, w, options);
}

/**
 * 2-D cross-correlation: x N×C×H×W, weight O×(C/groups)×kH×kW, with
 * stride, padding (number, per-dim, per-side, 'valid', 'same'), dilation and
 * groups (depthwise when groups = C).
 *
 * @example
 * ```ts
 * conv2d(randn([8, 3, 32, 32]), randn([16, 3, 3, 3]), { padding: 1, stride: 2 }).shape; // [8, 16, 16, 16]
 * ```
 */
export function conv2d(x: Tensor, w: Tensor, options: ConvNdOptions = {}): Tensor {
  return convNd('conv2d', 2, x, w, options);
}

/** 3-D cross-correlation: x N×C×D×H×W, weight O×(C/groups)×kD×kH×kW. */
export function conv3d(x: Tensor, w: Tensor, options: ConvNdOptions = {}): Tensor {
  return convNd('conv3d', 3, x, w, options);
}

/** Options of the transposed convolutions (PyTorch's semantics). */
export interface ConvTransposeOptions {
  readonly stride?: number | readonly number[];
  readonly padding?: number | readonly number[];
  readonly outputPadding?: number | readonly number[];
  readonly dilation?: number | readonly number[];
  readonly groups?: number;
  readonly bias?: Tensor;
}

const convTransposeNd = freeOnThrow(function convTransposeNd(
  op: string,
  rank: number,
  x: Tensor,
  w: Tensor,
  options: ConvTransposeOptions,
): Tensor {
  checkOptions(op, options, ['stride', 'padding', 'outputPadding', 'dilation', 'groups', 'bias']);
  assertFloatPair(op, x, w);
  if (x.rank !== rank + 2 || w.rank !== rank + 2)
    throw new ShapeError(op, `x and weight must be ${rank + 2}-D, got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`);
  const groups = options.groups ?? 1;
  if (w.shape[0] !== x.shape[1])
    throw new ShapeError(
      op,
      `weight ${fmtShape(w.shape)} (in, out/groups, kernel…) expects ${w.shape[0]} input channels, x ${fmtShape(x.shape)} has ${x.shape[1]}`,
    );
  if (!Number.isInteger(groups) || groups < 1)
    throw new ArgumentError(op, `groups must be a positive integer, got ${groups}`);
  if (x.shape[1]! % groups !== 0)
    throw new ShapeError(op, `groups ${groups} must divide the input channels of x ${fmtShape(x.shape)}`);
  const stride = perDim(op, 'stride', options.stride, rank, 1, 1);
  const dilation = perDim(op, 'dilation', options.dilation, rank, 1, 1);
  const outputPadding = perDim(op, 'outputPadding', options.outputPadding, rank, 0, 0);
  const padding = resolvePadding(
    op,
    options.padding as Padding | undefined,
    rank,
    x.shape.slice(2),
    w.shape.slice(2),
    stride,
    dilation,
  );
  outputPadding.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 0 || (p >= stride[i]! && p >= dilation[i]!)) {
      throw new ArgumentError(
        op,
        `outputPadding ${p} must be smaller than stride ${stride[i]} or dilation ${dilation[i]}`,
      );
    }
  });
  const outSpatial = x.shape
    .slice(2)
    .map(
      (n, i) =>
        (n - 1) * stride[i]! -
        padding[i]![0] -
        padding[i]![1] +
        dilation[i]! * (w.shape[i + 2]! - 1) +
        outputPadding[i]! +
        1,
    );
  if (outSpatial.some((s) => s <= 0))
    throw new ShapeError(op, `input ${fmtShape(x.shape)} with weight ${fmtShape(w.shape)} gives an empty output`);
  const xShape = [x.shape[0]!, w.shape[1]! * groups, ...outSpatial];
  const g: ConvGeometry = { stride, dilation, padding, groups };
  // When outputPadding ≥ stride (allowed while < dilation), the forward conv of the output would
  // have extra positions; they receive nothing in PyTorch, so they are zeros of dy here.
  const expected = convOutputShape(op, xShape, [x.shape[1]!, w.shape[1]!, ...w.shape.slice(2)], g);
  const extra = expected.slice(2).map((d, i) => d - x.shape[i + 2]!);
  if (extra.some((e) => e < 0))
    throw new ShapeError(op, `geometry does not invert: ${fmtShape(expected)} vs ${fmtShape(x.shape)}`);
  const dy = extra.some((e) => e > 0) ? pad(x, [[0, 0], [0, 0], ...extra.map((e) => [0, e] as [number, number])]) : x;
  return addBias(op, convBackpropInput(dy, w, g, xShape), options.bias, rank);
});

/** 1-D transposed convolution; weight in×(out/groups)×K as in PyTorch. */
export function convTranspose1d(x: Tensor, w: Tensor, options: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd('convTranspose1d', 1, x, w, options);
}

/**
 * 2-D transposed convolution (the gradient of conv2d with respect to its
 * input); weight in×(out/groups)×kH×kW as in PyTorch.
 *
 * @example
 * ```ts
 * convTranspose2d(randn([1, 8, 7, 7]), randn([8, 4, 3, 3]), { stride: 2, padding: 1, outputPadding: 1 }).shape; // [1, 4, 14, 14]
 * ```
 */
export function convTranspose2d(x: Tensor, w: Tensor, options: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd('convTranspose2d', 2, x, w, options);
}

/** 3-D transposed convolution; weight in×(out/groups)×kD×kH×kW. */
export function convTranspose3d(x: Tensor, w: Tensor, options: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd('convTranspose3d', 3, x, w, options);
}
