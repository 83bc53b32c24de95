import { type Shape, type Window3, type WindowGeometry, window3 } from '@gradstream/core';
import { type FloatArray, allocateLike } from '../storage.js';

/**
 * The outputs o in [lo, hi) for which kernel offset k lands inside the input
 * along one dimension: 0 ≤ o·stride − pad + k·dilation < size.
 */
export function validOutputs(
  k: number,
  stride: number,
  dilation: number,
  pad: number,
  size: number,
  out: number,
): [number, number] {
  const shift = k * dilation - pad;
  const lo = Math.max(0, Math.ceil(-shift / stride));
  const hi = Math.min(out, Math.floor((size - 1 - shift) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * im2col of one batch element: `channels` planes at x[xOff…] become rows
 * (c, kd, kh, kw) of `cols` (each row holds the L output positions). Positions
 * outside the input are skipped, not written: `cols` must hold zeros there,
 * which is true for a fresh buffer and stays true when a buffer is reused
 * with the same window, since the skipped positions are the same.
 */
export function unfoldInto(x: FloatArray, xOff: number, channels: number, w: Window3, cols: FloatArray): void {
  const [KD, KH, KW] = w.kernel;
  const [SD, SH, SW] = w.stride;
  const [DD, DH, DW] = w.dilation;
  const [PD, PH, PW] = w.padBefore;
  const [ID, IH, IW] = w.inSize;
  const [OD, OH, OW] = w.outSize;
  const plane = ID * IH * IW;
  const L = OD * OH * OW;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const xc = xOff + c * plane;
    for (let kd = 0; kd < KD; kd++) {
      const [odLo, odHi] = validOutputs(kd, SD, DD, PD, ID, OD);
      for (let kh = 0; kh < KH; kh++) {
        const [ohLo, ohHi] = validOutputs(kh, SH, DH, PH, IH, OH);
        for (let kw = 0; kw < KW; kw++, row += L) {
          const [owLo, owHi] = validOutputs(kw, SW, DW, PW, IW, OW);
          const iwStart = owLo * SW - PW + kw * DW;
          for (let od = odLo; od < odHi; od++) {
            const xd = xc + (od * SD - PD + kd * DD) * IH * IW;
            for (let oh = ohLo; oh < ohHi; oh++) {
              let s = xd + (oh * SH - PH + kh * DH) * IW + iwStart;
              let d = row + (od * OH + oh) * OW + owLo;
              const end = d + (owHi - owLo);
              if (SW === 1) for (; d < end; d++, s++) cols[d] = x[s]!;
              else for (; d < end; d++, s += SW) cols[d] = x[s]!;
            }
          }
        }
      }
    }
  }
}

/** col2im of one batch element, the adjoint of unfoldInto: adds each column entry into x[xOff…]. */
export function foldInto(cols: FloatArray, channels: number, w: Window3, x: FloatArray, xOff: number): void {
  const [KD, KH, KW] = w.kernel;
  const [SD, SH, SW] = w.stride;
  const [DD, DH, DW] = w.dilation;
  const [PD, PH, PW] = w.padBefore;
  const [ID, IH, IW] = w.inSize;
  const [OD, OH, OW] = w.outSize;
  const plane = ID * IH * IW;
  const L = OD * OH * OW;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const xc = xOff + c * plane;
    for (let kd = 0; kd < KD; kd++) {
      const [odLo, odHi] = validOutputs(kd, SD, DD, PD, ID, OD);
      for (let kh = 0; kh < KH; kh++) {
        const [ohLo, ohHi] = validOutputs(kh, SH, DH, PH, IH, OH);
        for (let kw = 0; kw < KW; kw++, row += L) {
          const [owLo, owHi] = validOutputs(kw, SW, DW, PW, IW, OW);
          const iwStart = owLo * SW - PW + kw * DW;
          for (let od = odLo; od < odHi; od++) {
            const xd = xc + (od * SD - PD + kd * DD) * IH * IW;
            for (let oh = ohLo; oh < ohHi; oh++) {
              let d = xd + (oh * SH - PH + kh * DH) * IW + iwStart;
              let s = row + (od * OH + oh) * OW + owLo;
              const end = s + (owHi - owLo);
              if (SW === 1) for (; s < end; s++, d++) x[d]! += cols[s]!;
              else for (; s < end; s++, d += SW) x[d]! += cols[s]!;
            }
          }
        }
      }
    }
  }
}

/** Spatial dims of an N×C×(spatial) shape. */
function spatialOf(shape: Shape): number[] {
  return shape.slice(2);
}

/** unfold kernel: N×C×(spatial) → N×(C·∏kernel)×L. */
export function unfold(
  x: FloatArray,
  xShape: Shape,
  geometry: WindowGeometry,
): { values: FloatArray; shape: number[] } {
  const [n, c] = xShape as [number, number];
  const w = window3(geometry, spatialOf(xShape));
  const rows = c * w.kernel[0] * w.kernel[1] * w.kernel[2];
  const L = w.outSize[0] * w.outSize[1] * w.outSize[2];
  const plane = c * w.inSize[0] * w.inSize[1] * w.inSize[2];
  const out = allocateLike(x, n * rows * L);
  for (let b = 0; b < n; b++) unfoldInto(x, b * plane, c, w, out.subarray(b * rows * L, (b + 1) * rows * L));
  return { values: out, shape: [n, rows, L] };
}

/** fold kernel: N×(C·∏kernel)×L → xShape, overlapping entries summed. */
export function fold(cols: FloatArray, geometry: WindowGeometry, xShape: Shape): FloatArray {
  const [n, c] = xShape as [number, number];
  const w = window3(geometry, spatialOf(xShape));
  const rows = c * w.kernel[0] * w.kernel[1] * w.kernel[2];
  const L = w.outSize[0] * w.outSize[1] * w.outSize[2];
  const plane = c * w.inSize[0] * w.inSize[1] * w.inSize[2];
  const out = allocateLike(cols, n * plane);
  for (let b = 0; b < n; b++) foldInto(cols.subarray(b * rows * L, (b + 1) * rows * L), c, w, out, b * plane);
  return out;
}
