// im2col and its adjoint over 3-D windows (1-D and 2-D geometries arrive
// padded with unit leading dimensions). Rows of the column matrix run over
// (c, kd, kh, kw), columns over output positions (od, oh, ow).

import { addFloats, at4, copyFloats, zero4, zeroFloats } from './mem';
import { windowAt } from './window';

/** First output index o in [0, out) whose input o·s + offset is ≥ 0. */
@inline function firstInside(offset: i32, s: i32, out: i32): i32 {
  if (offset >= 0) return 0;
  return min(out, (-offset + s - 1) / s);
}

/** One past the last output index o whose input o·s + offset is < size. */
@inline function endInside(offset: i32, s: i32, size: i32, out: i32): i32 {
  if (offset >= size) return 0;
  return min(out, (size - 1 - offset) / s + 1);
}

/**
 * Copies (or, when `adjoint`, adds back) the C channels at x into/from the
 * column matrix at col, using the window geometry in descriptor d. Only the
 * columns of output rows [r0, r1) take part (an output row is one (od, oh)
 * pair, OW columns wide), so the matrix at col is C·∏k × (r1 − r0)·OW, its
 * rows `ld` floats apart (several images' matrices then sit side by side).
 */
@inline function walk(x: usize, C: i32, d: usize, col: usize, ld: i32, adjoint: bool, r0: i32, r1: i32): void {
  const g = windowAt(d);
  // Locals for everything the loops read: the stores below keep the engine
  // from hoisting loads of the descriptor out of them.
  const D = g.D, H = g.H, Wd = g.W, OH = g.OH, OW = g.OW;
  const KD = g.KD, KH = g.KH, KW = g.KW, SD = g.SD, SH = g.SH, SW = g.SW;
  const DD = g.DD, DH = g.DH, DW = g.DW, PD = g.PD, PH = g.PH, PW = g.PW;
  const HW = H * Wd;
  if (D == 1 && KD == 1 && PD == 0 && g.OD == 1 && SW == 1) {
    walk2d(x, C, col, ld, adjoint, r0, r1, H, Wd, OW, KH, KW, SH, DH, DW, PH, PW);
    return;
  }
  if (D == 1 && KD == 1 && PD == 0 && g.OD == 1 && SW == 2 && !adjoint) {
    fill2dStride2(x, C, col, ld, r0, r1, H, Wd, OW, KH, KW, SH, DH, DW, PH, PW);
    return;
  }
  let rowStart = col;
  for (let c = 0; c < C; c++) {
    const xc = at4(x, c * D * HW);
    for (let kd = 0; kd < KD; kd++) {
      const id0 = kd * DD - PD;
      for (let kh = 0; kh < KH; kh++) {
        const ih0 = kh * DH - PH;
        for (let kw = 0; kw < KW; kw++) {
          const iw0 = kw * DW - PW;
          const lo = firstInside(iw0, SW, OW);
          const hi = max(lo, endInside(iw0, SW, Wd, OW));
          // A row with every tap inside the input, unit stride: one copy, no zeros.
          const whole = SW == 1 && lo == 0 && hi == OW && OW >= 4;
          let dst = rowStart;
          rowStart = at4(rowStart, ld);
          let od = r0 / OH;
          let oh = r0 - od * OH - 1;
          for (let r = r0; r < r1; r++) {
            if (++oh == OH) {
              oh = 0;
              od++;
            }
            const id = od * SD + id0;
            const ih = oh * SH + ih0;
            if (id < 0 || id >= D || ih < 0 || ih >= H) {
              if (!adjoint) zeroFloats(dst, OW);
              dst = at4(dst, OW);
              continue;
            }
            const row = at4(xc, id * HW + ih * Wd + iw0);
            if (adjoint) {
              if (SW == 1) {
                addFloats(at4(row, lo), at4(dst, lo), hi - lo);
              } else {
                for (let ow = lo; ow < hi; ow++) {
                  const p = at4(row, ow * SW);
                  store<f32>(p, load<f32>(p) + load<f32>(at4(dst, ow)));
                }
              }
            } else if (whole) {
              copyRow(dst, row, OW);
            } else {
              zeroFloats(dst, lo);
              if (SW == 1) {
                copyFloats(at4(dst, lo), at4(row, lo), hi - lo);
              } else {
                for (let ow = lo; ow < hi; ow++) store<f32>(at4(dst, ow), load<f32>(at4(row, ow * SW)));
              }
              zeroFloats(at4(dst, hi), OW - hi);
            }
            dst = at4(dst, OW);
          }
        }
      }
    }
  }
}

/**
 * walk() for 2-D (and 1-D) windows with unit stride along the row, the
 * convolutions of LeNet and most CNNs: output rows [r0, r1) are oh, the
 * rows whose input row is inside are found once per kh, and the row loop
 * only copies (or adds) and advances.
 */
@inline function walk2d(
  x: usize, C: i32, col: usize, ld: i32, adjoint: bool, r0: i32, r1: i32,
  H: i32, Wd: i32, OW: i32, KH: i32, KW: i32, SH: i32, DH: i32, DW: i32, PH: i32, PW: i32,
): void {
  const rowBytes = <usize>(SH * Wd) << 2;
  let rowStart = col;
  for (let c = 0; c < C; c++) {
    const xc = at4(x, c * H * Wd);
    for (let kh = 0; kh < KH; kh++) {
      const ih0 = kh * DH - PH;
      // Output rows [a, b) of [r0, r1) read input rows inside [0, H).
      const a = max(r0, firstInside(ih0, SH, r1));
      const b = max(a, min(r1, endInside(ih0, SH, H, r1)));
      for (let kw = 0; kw < KW; kw++) {
        const iw0 = kw * DW - PW;
        const lo = firstInside(iw0, 1, OW);
        const hi = max(lo, endInside(iw0, 1, Wd, OW));
        const whole = lo == 0 && hi == OW && OW >= 4;
        // A row cut by padding is copied whole too, reading up to ROW_OVERREAD floats
        // outside the input row (the heap keeps that much after every block), and its
        // padded ends are then zeroed.
        const clipped = !whole && hi > lo && OW >= 4 && lo <= ROW_OVERREAD && OW - hi <= ROW_OVERREAD;
        const dst0 = rowStart;
        rowStart = at4(rowStart, ld);
        if (!adjoint) {
          zeroFloats(dst0, (a - r0) * OW);
          zeroFloats(at4(dst0, (b - r0) * OW), (r1 - b) * OW);
        }
        let dst = at4(dst0, (a - r0) * OW);
        let src = at4(xc, (a * SH + ih0) * Wd + iw0);
        for (let oh = a; oh < b; oh++) {
          if (adjoint) {
            addFloats(at4(src, lo), at4(dst, lo), hi - lo);
          } else if (whole) {
            copyRow(dst, src, OW);
          } else if (clipped) {
            copyRow(dst, src, OW);
            for (let i = 0; i < lo; i++) store<f32>(at4(dst, i), 0);
            for (let i = hi; i < OW; i++) store<f32>(at4(dst, i), 0);
          } else {
            zeroFloats(dst, lo);
            copyFloats(at4(dst, lo), at4(src, lo), hi - lo);
            zeroFloats(at4(dst, hi), OW - hi);
          }
          dst = at4(dst, OW);
          src += rowBytes;
        }
      }
    }
  }
}

/**
 * walk2d's fill for stride 2 along the row (ResNet's stem and downsampling
 * layers): every other float copied in vectors. A row whose taps are all
 * inside reads one float past its last tap, a row cut by padding up to
 * ROW_OVERREAD floats past either end of the input row; those lanes are
 * dropped or zeroed. Kept apart from walk2d: a stride parameter there
 * measured 0.93x (forward) and 0.90x (filter gradient) on LeNet's conv2.
 */
@inline function fill2dStride2(
  x: usize, C: i32, col: usize, ld: i32, r0: i32, r1: i32,
  H: i32, Wd: i32, OW: i32, KH: i32, KW: i32, SH: i32, DH: i32, DW: i32, PH: i32, PW: i32,
): void {
  const rowBytes = <usize>(SH * Wd) << 2;
  let rowStart = col;
  for (let c = 0; c < C; c++) {
    const xc = at4(x, c * H * Wd);
    for (let kh = 0; kh < KH; kh++) {
      const ih0 = kh * DH - PH;
      const a = max(r0, firstInside(ih0, SH, r1));
      const b = max(a, min(r1, endInside(ih0, SH, H, r1)));
      for (let kw = 0; kw < KW; kw++) {
        const iw0 = kw * DW - PW;
        const lo = firstInside(iw0, 2, OW);
        const hi = max(lo, endInside(iw0, 2, Wd, OW));
        const vectors = hi > lo && OW >= 4 && -iw0 <= ROW_OVERREAD && iw0 + 2 * OW - Wd <= ROW_OVERREAD;
        const dst0 = rowStart;
        rowStart = at4(rowStart, ld);
        zeroFloats(dst0, (a - r0) * OW);
        zeroFloats(at4(dst0, (b - r0) * OW), (r1 - b) * OW);
        let dst = at4(dst0, (a - r0) * OW);
        let src = at4(xc, (a * SH + ih0) * Wd + iw0);
        for (let oh = a; oh < b; oh++) {
          if (vectors) {
            copyRowStride2(dst, src, OW);
            for (let i = 0; i < lo; i++) store<f32>(at4(dst, i), 0);
            for (let i = hi; i < OW; i++) store<f32>(at4(dst, i), 0);
          } else {
            zeroFloats(dst, lo);
            for (let i = lo; i < hi; i++) store<f32>(at4(dst, i), load<f32>(at4(src, 2 * i)));
            zeroFloats(at4(dst, hi), OW - hi);
          }
          dst = at4(dst, OW);
          src += rowBytes;
        }
      }
    }
  }
}

/** Copies every other float of src into n ≥ 4 floats at dst, in vectors, the last overlapping the one before. */
@inline function copyRowStride2(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 < n; i += 4) {
    const p = at4(src, 2 * i);
    v128.store(at4(dst, i), v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6));
  }
  const p = at4(src, 2 * (n - 4));
  v128.store(at4(dst, n - 4), v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6));
}

/** Floats a clipped row may be read past either end of its input row: the heap's 64-byte guard. */
const ROW_OVERREAD = 16;

/** Copies n ≥ 4 floats in vectors, the last one overlapping the one before (no scalar tail). */
@inline function copyRow(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 < n; i += 4) v128.store(at4(dst, i), v128.load(at4(src, i)));
  v128.store(at4(dst, n - 4), v128.load(at4(src, n - 4)));
}

/** Fills the column matrix for C channels starting at x. */
export function im2col(x: usize, C: i32, d: usize, col: usize): void {
  const g = windowAt(d);
  walk(x, C, d, col, g.outSize, false, 0, g.outRows);
}

/** Fills the columns of output rows [r0, r1) only: a C·∏k × (r1 − r0)·OW matrix. */
export function im2colRows(x: usize, C: i32, d: usize, col: usize, r0: i32, r1: i32): void {
  walk(x, C, d, col, (r1 - r0) * windowAt(d).OW, false, r0, r1);
}

/** im2col into a wider matrix whose rows are `ld` floats apart. */
export function im2colStrided(x: usize, C: i32, d: usize, col: usize, ld: i32): void {
  walk(x, C, d, col, ld, false, 0, windowAt(d).outRows);
}

/** Adds the column matrix back into C channels starting at x (x must be initialized). */
export function col2im(col: usize, C: i32, d: usize, x: usize): void {
  const g = windowAt(d);
  walk(x, C, d, col, g.outSize, true, 0, g.outRows);
}


/** Whether the column matrix equals the input itself (1×1 kernel, unit stride, no padding). */
export function im2colIsIdentity(d: usize): bool {
  const g = windowAt(d);
  return g.kernelSize == 1 && g.SD == 1 && g.SH == 1 && g.SW == 1 && g.PD == 0 && g.PH == 0 && g.PW == 0
    && g.OD == g.D && g.OH == g.H && g.OW == g.W;
}

/** unfold over images [n0, n1): x is N×C×(spatial), cols N×(C·∏k)×L. */
export function unfold(x: usize, cols: usize, d: usize, n0: i32, n1: i32): void {
  const g = windowAt(d);
  const C = g.C, inSize = C * g.inSize, colSize = C * g.kernelSize * g.outSize;
  for (let n = n0; n < n1; n++) im2col(at4(x, n * inSize), C, d, at4(cols, n * colSize));
}

/** fold (col2im) over images [n0, n1), overwriting x. */
export function fold(cols: usize, x: usize, d: usize, n0: i32, n1: i32): void {
  const g = windowAt(d);
  const C = g.C, inSize = C * g.inSize, colSize = C * g.kernelSize * g.outSize;
  for (let n = n0; n < n1; n++) {
    zero4(at4(x, n * inSize), inSize);
    col2im(at4(cols, n * colSize), C, d, at4(x, n * inSize));
  }
}
