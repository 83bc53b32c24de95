import { type AvgPoolGeometry, type Shape, type Window3, type WindowGeometry, sizeOf, window3 } from '@gradstream/core';
import { type FloatArray, allocate, allocateLike } from '../storage.js';

/** Kernel offsets [lo, hi) whose position o·stride − pad + k·dilation falls inside [0, size). */
function validOffsets(
  o: number,
  kernel: number,
  stride: number,
  dilation: number,
  pad: number,
  size: number,
): [number, number] {
  const start = o * stride - pad;
  const lo = Math.max(0, Math.ceil(-start / dilation));
  const hi = Math.min(kernel, Math.floor((size - 1 - start) / dilation) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Kernel offsets of a window whose positions lie inside the padded input, i.e.
 * before `in + padAfter` (PyTorch's divisor with countIncludePad). The start
 * o·stride − padBefore is never below −padBefore, so only the end clips.
 */
function paddedCount(o: number, kernel: number, stride: number, dilation: number, w: Window3, dim: number): number {
  const limit = w.inSize[dim]! + w.padAfter[dim]! + w.padBefore[dim]! - o * stride;
  return Math.min(kernel, Math.max(0, Math.ceil(limit / dilation)));
}

/** A pooling input seen as N·C independent planes, with the window widened to 3-D. */
interface Planes {
  readonly planes: number;
  readonly planeIn: number;
  readonly planeOut: number;
  readonly w: Window3;
}

function planesOf(xShape: Shape, geometry: WindowGeometry): Planes {
  const w = window3(geometry, xShape.slice(2));
  return {
    planes: xShape[0]! * xShape[1]!,
    planeIn: w.inSize[0] * w.inSize[1] * w.inSize[2],
    planeOut: w.outSize[0] * w.outSize[1] * w.outSize[2],
    w,
  };
}

/** Max over each window and the flat index into x of the winner (NaN wins, as in PyTorch; −1 for an empty window). */
export function maxPool(
  x: FloatArray,
  xShape: Shape,
  geometry: WindowGeometry,
): { y: FloatArray; indices: Int32Array; shape: number[] } {
  const { planes, planeIn, planeOut, w } = planesOf(xShape, geometry);
  const [, IH, IW] = w.inSize;
  const [OD, OH, OW] = w.outSize;
  const [KD, KH, KW] = w.kernel;
  const [SD, SH, SW] = w.stride;
  const [DD, DH, DW] = w.dilation;
  const [PD, PH, PW] = w.padBefore;
  const y = allocateLike(x, planes * planeOut);
  const indices = allocate('int32', planes * planeOut);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * planeIn;
    for (let od = 0; od < OD; od++) {
      const [kdLo, kdHi] = validOffsets(od, KD, SD, DD, PD, w.inSize[0]);
      for (let oh = 0; oh < OH; oh++) {
        const [khLo, khHi] = validOffsets(oh, KH, SH, DH, PH, IH);
        for (let ow = 0; ow < OW; ow++, o++) {
          const [kwLo, kwHi] = validOffsets(ow, KW, SW, DW, PW, IW);
          let best = -Infinity;
          let at = -1;
          for (let kd = kdLo; kd < kdHi; kd++) {
            const rowD = base + (od * SD - PD + kd * DD) * IH * IW;
            for (let kh = khLo; kh < khHi; kh++) {
              const row = rowD + (oh * SH - PH + kh * DH) * IW + ow * SW - PW;
              for (let kw = kwLo; kw < kwHi; kw++) {
                const i = row + kw * DW;
                const v = x[i]!;
                if (v > best || (Number.isNaN(v) && !Number.isNaN(best)) || at < 0) {
                  best = v;
                  at = i;
                }
              }
            }
          }
          y[o] = best;
          indices[o] = at;
        }
      }
    }
  }
  return { y, indices, shape: [xShape[0]!, xShape[1]!, ...geometry.outShape] };
}

/**
 * The average-pool window walk. Forward sums x over each window into y;
 * backward spreads dy over the same positions with the same divisor, so the
 * two are exact adjoints by construction.
 */
function avgPoolWalk(a: FloatArray, b: FloatArray, xShape: Shape, geometry: AvgPoolGeometry, backward: boolean): void {
  const { planes, planeIn, w } = planesOf(xShape, geometry);
  const [, IH, IW] = w.inSize;
  const [OD, OH, OW] = w.outSize;
  const [KD, KH, KW] = w.kernel;
  const [SD, SH, SW] = w.stride;
  const [DD, DH, DW] = w.dilation;
  const [PD, PH, PW] = w.padBefore;
  const includePad = geometry.countIncludePad;
  // Forward: a = x, b = y. Backward: a = dx (accumulated into), b = dy.
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * planeIn;
    for (let od = 0; od < OD; od++) {
      const [kdLo, kdHi] = validOffsets(od, KD, SD, DD, PD, w.inSize[0]);
      const countD = includePad ? paddedCount(od, KD, SD, DD, w, 0) : kdHi - kdLo;
      for (let oh = 0; oh < OH; oh++) {
        const [khLo, khHi] = validOffsets(oh, KH, SH, DH, PH, IH);
        const countH = includePad ? paddedCount(oh, KH, SH, DH, w, 1) : khHi - khLo;
        for (let ow = 0; ow < OW; ow++, o++) {
          const [kwLo, kwHi] = validOffsets(ow, KW, SW, DW, PW, IW);
          const countW = includePad ? paddedCount(ow, KW, SW, DW, w, 2) : kwHi - kwLo;
          const divisor = countD * countH * countW;
          // A window with no position to count has nothing to average: 0, not NaN.
          const scale = divisor > 0 ? 1 / divisor : 0;
          const g = backward ? b[o]! * scale : 0;
          let sum = 0;
          for (let kd = kdLo; kd < kdHi; kd++) {
            const rowD = base + (od * SD - PD + kd * DD) * IH * IW;
            for (let kh = khLo; kh < khHi; kh++) {
              const row = rowD + (oh * SH - PH + kh * DH) * IW + ow * SW - PW;
              if (backward) for (let kw = kwLo; kw < kwHi; kw++) a[row + kw * DW]! += g;
              else for (let kw = kwLo; kw < kwHi; kw++) sum += a[row + kw * DW]!;
            }
          }
          if (!backward) b[o] = sum * scale;
        }
      }
    }
  }
}

/** Average over each window with PyTorch's divisor (see AvgPoolGeometry). */
export function avgPool(
  x: FloatArray,
  xShape: Shape,
  geometry: AvgPoolGeometry,
): { values: FloatArray; shape: number[] } {
  const shape = [xShape[0]!, xShape[1]!, ...geometry.outShape];
  const size = sizeOf(shape);
  const y = allocateLike(x, size);
  avgPoolWalk(x, y, xShape, geometry, false);
  return { values: y, shape };
}

/** The adjoint of avgPool: each dy spreads dy/divisor over its window's in-input positions. */
export function avgPoolBackward(dy: FloatArray, geometry: AvgPoolGeometry, xShape: Shape): FloatArray {
  const size = sizeOf(xShape);
  const dx = allocateLike(dy, size);
  avgPoolWalk(dx, dy, xShape, geometry, true);
  return dx;
}
