import { type ConvGeometry, type Shape, type Window3, convOutputSize, sizeOf, window3 } from '@gradstream/core';
import { type FloatArray, allocateLike } from '../storage.js';
import { gemm } from './gemm.js';
import { foldInto, unfoldInto } from './window.js';

/** Everything the three convolution kernels derive from x's shape, w's shape and the geometry. */
interface ConvPlan {
  readonly batch: number;
  readonly channels: number;
  readonly outChannels: number;
  readonly groups: number;
  /** Input channels per group. */
  readonly groupChannels: number;
  /** Output channels per group. */
  readonly groupOut: number;
  /** Rows of a group's im2col matrix: groupChannels · ∏kernel. */
  readonly groupRows: number;
  /** Output positions per image: ∏ out spatial. */
  readonly positions: number;
  /** Elements of one image of x (C · ∏ in spatial). */
  readonly imageSize: number;
  readonly window: Window3;
  readonly outShape: number[];
  /** A 1×…×1 kernel with stride 1 and no padding: x itself is the im2col matrix. */
  readonly pointwise: boolean;
}

function planConv(xShape: Shape, wShape: Shape, geometry: ConvGeometry): ConvPlan {
  const [batch, channels] = xShape as [number, number];
  const [outChannels, groupChannels] = wShape as [number, number];
  const kernel = wShape.slice(2);
  const inSpatial = xShape.slice(2);
  const outSpatial = inSpatial.map((size, i) =>
    convOutputSize(size, kernel[i]!, geometry.stride[i]!, geometry.padding[i]!, geometry.dilation[i]!, 'conv'),
  );
  const window = window3(
    { kernel, stride: geometry.stride, dilation: geometry.dilation, padding: geometry.padding, outShape: outSpatial },
    inSpatial,
  );
  const kernelSize = sizeOf(kernel);
  const positions = sizeOf(outSpatial);
  const pointwise =
    kernelSize === 1 && geometry.stride.every((s) => s === 1) && geometry.padding.every(([b, a]) => b === 0 && a === 0);
  return {
    batch,
    channels,
    outChannels,
    groups: geometry.groups,
    groupChannels,
    groupOut: outChannels / geometry.groups,
    groupRows: groupChannels * kernelSize,
    positions,
    imageSize: inSpatial.reduce((p, k) => p * k, channels),
    window,
    outShape: [batch, outChannels, ...outSpatial],
    pointwise,
  };
}

/**
 * Cross-correlation y = x ⋆ w: per image, im2col then one GEMM per group,
 * y[n, g] (Og×L) = w[g] (Og × Cg·k) · cols[g] (Cg·k × L).
 */
export function conv(
  x: FloatArray,
  xShape: Shape,
  w: FloatArray,
  wShape: Shape,
  geometry: ConvGeometry,
): { values: FloatArray; shape: number[] } {
  const p = planConv(xShape, wShape, geometry);
  const L = p.positions;
  const y = allocateLike(x, p.batch * p.outChannels * L);
  const cols = p.pointwise ? x : allocateLike(x, p.groups * p.groupRows * L);
  for (let n = 0; n < p.batch; n++) {
    const colsOff = p.pointwise ? n * p.imageSize : 0;
    if (!p.pointwise) unfoldInto(x, n * p.imageSize, p.channels, p.window, cols);
    for (let g = 0; g < p.groups; g++) {
      gemm(
        p.groupOut,
        L,
        p.groupRows,
        { values: w, offset: g * p.groupOut * p.groupRows, rowStride: p.groupRows, colStride: 1 },
        { values: cols, offset: colsOff + g * p.groupRows * L, rowStride: L, colStride: 1 },
        y,
        (n * p.outChannels + g * p.groupOut) * L,
        L,
      );
    }
  }
  return { values: y, shape: p.outShape };
}

/**
 * dx for y = conv(x, w): per image, dcols[g] = w[g]ᵀ · dy[n, g], then col2im
 * (fold) into dx. A pointwise conv writes the product straight into dx.
 */
export function convBackpropInput(
  dy: FloatArray,
  w: FloatArray,
  wShape: Shape,
  geometry: ConvGeometry,
  xShape: Shape,
): FloatArray {
  const p = planConv(xShape, wShape, geometry);
  const L = p.positions;
  const dx = allocateLike(dy, p.batch * p.imageSize);
  const dcols = p.pointwise ? dx : allocateLike(dy, p.groups * p.groupRows * L);
  for (let n = 0; n < p.batch; n++) {
    const dcolsOff = p.pointwise ? n * p.imageSize : 0;
    if (!p.pointwise && n > 0) dcols.fill(0);
    for (let g = 0; g < p.groups; g++) {
      gemm(
        p.groupRows,
        L,
        p.groupOut,
        { values: w, offset: g * p.groupOut * p.groupRows, rowStride: 1, colStride: p.groupRows },
        { values: dy, offset: (n * p.outChannels + g * p.groupOut) * L, rowStride: L, colStride: 1 },
        dcols,
        dcolsOff + g * p.groupRows * L,
        L,
      );
    }
    if (!p.pointwise) foldInto(dcols, p.channels, p.window, dx, n * p.imageSize);
  }
  return dx;
}

/**
 * dw for y = conv(x, w): dw[g] += dy[n, g] · cols[g]ᵀ summed over images,
 * the GEMM accumulating straight into dw.
 */
export function convBackpropFilter(
  x: FloatArray,
  xShape: Shape,
  dy: FloatArray,
  geometry: ConvGeometry,
  wShape: Shape,
): FloatArray {
  const p = planConv(xShape, wShape, geometry);
  const L = p.positions;
  const dw = allocateLike(x, p.outChannels * p.groupRows);
  const cols = p.pointwise ? x : allocateLike(x, p.groups * p.groupRows * L);
  for (let n = 0; n < p.batch; n++) {
    const colsOff = p.pointwise ? n * p.imageSize : 0;
    if (!p.pointwise) unfoldInto(x, n * p.imageSize, p.channels, p.window, cols);
    for (let g = 0; g < p.groups; g++) {
      gemm(
        p.groupOut,
        p.groupRows,
        L,
        { values: dy, offset: (n * p.outChannels + g * p.groupOut) * L, rowStride: L, colStride: 1 },
        { values: cols, offset: colsOff + g * p.groupRows * L, rowStride: 1, colStride: L },
        dw,
        g * p.groupOut * p.groupRows,
        p.groupRows,
      );
    }
  }
  return dw;
}
