// Direct convolution for layers with few taps per output (LeNet's first
// layer: one input channel, 5×5, six output channels). As im2col + GEMM its
// product is 6 × 784 × 25 per image: K = 25 is too short to amortize a 4×8
// tile's loads and stores, 6 rows waste a quarter of the tile, and im2col
// writes 25 floats for every output position. Here each image is copied once
// into a zero-padded plane, and outputs are computed along the output row,
// 16 positions × 2 output channels in registers, reading the plane in place.

import { at4, copyFloats, zeroFloats } from './mem';
import { madd } from './simd';
import { windowAt } from './window';

/** Taps per output (C/g·k) up to which the direct kernel beats im2col + GEMM. */
const DIRECT_MAX_TAPS = 32;
/** Output positions per register block along the row: four vectors. */
const ROW_BLOCK = 16;

/** Whether the direct kernel handles this geometry: 1-D/2-D, unit stride and dilation, few taps. */
export function directApplies(d: usize): bool {
  const g = windowAt(d);
  return g.KD == 1 && g.D == 1 && g.PD == 0 && g.PDAfter == 0 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1
    && g.C / g.groups * g.kernelSize <= DIRECT_MAX_TAPS && g.OW >= 8;
}

/** Padded plane width: every register block's reads stay inside the row. */
@inline function planeWidth(d: usize): i32 {
  const g = windowAt(d);
  const blocks = (g.OW + ROW_BLOCK - 1) / ROW_BLOCK;
  return (blocks * ROW_BLOCK + g.KW - 1 + 3) & ~3;
}

/** Rows of the padded plane: the input plus its padding before and after. */
@inline function planeRows(d: usize): i32 {
  const g = windowAt(d);
  return g.OH + g.KH - 1;
}

/** Scratch floats: one group's padded planes and one output row block. */
export function directScratchFloats(d: usize): i32 {
  const g = windowAt(d);
  return g.C / g.groups * planeRows(d) * planeWidth(d) + ROW_BLOCK;
}

/** Copies Cg channel planes at x into zero-padded planes at dst (rows Wp floats apart). */
function padPlanes(x: usize, Cg: i32, d: usize, dst: usize): void {
  const g = windowAt(d);
  const H = g.H, Wd = g.W, PH = g.PH, PW = g.PW;
  const Wp = planeWidth(d), Hp = planeRows(d);
  const plane = Hp * Wp;
  zeroFloats(dst, Cg * plane);
  const cols = min(Wd, Wp - PW);
  for (let c = 0; c < Cg; c++) {
    for (let ih = max(0, -PH); ih < H && ih + PH < Hp; ih++) {
      copyFloats(at4(dst, c * plane + (ih + PH) * Wp + PW), at4(x, (c * H + ih) * Wd), cols);
    }
  }
}

/**
 * y[n, o, oh, ·] for images [n0, n1), output channels [o0, o1) and output
 * rows [r0, r1). Each output is Σ over (c, kh, kw) in that order, one
 * multiply-add at a time, so it does not depend on how the work is split.
 */
export function directForward(x: usize, w: usize, y: usize, d: usize, n0: i32, n1: i32, o0: i32, o1: i32, r0: i32, r1: i32, scratch: usize): void {
  const g = windowAt(d);
  const C = g.C, O = g.O, G = g.groups;
  const Cg = C / G, Og = O / G;
  const KH = g.KH, KW = g.KW, KK = KH * KW, CK = Cg * KK;
  const OH = g.OH, OW = g.OW, L = OH * OW, S = g.inSize;
  const Wp = planeWidth(d), plane = planeRows(d) * Wp;
  const rowBuf = at4(scratch, Cg * plane);
  for (let n = n0; n < n1; n++) {
    for (let gi = 0; gi < G; gi++) {
      const oa = max(o0, gi * Og), ob = min(o1, (gi + 1) * Og);
      if (oa >= ob) continue;
      padPlanes(at4(x, (n * C + gi * Cg) * S), Cg, d, scratch);
      for (let o = oa; o < ob; o += 2) {
        // An odd last channel is computed twice and stored once.
        const oB = min(o + 1, ob - 1);
        const wA = at4(w, o * CK), wB = at4(w, oB * CK);
        const yA = at4(y, (n * O + o) * L), yB = at4(y, (n * O + oB) * L);
        for (let oh = r0; oh < r1; oh++) {
          for (let ow = 0; ow < OW; ow += ROW_BLOCK) {
            let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
            let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
            for (let c = 0; c < Cg; c++) {
              for (let kh = 0; kh < KH; kh++) {
                const row = at4(scratch, c * plane + (oh + kh) * Wp + ow);
                const tap = c * KK + kh * KW;
                for (let kw = 0; kw < KW; kw++) {
                  const p = at4(row, kw);
                  const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
                  const va = v128.load32_splat(at4(wA, tap + kw));
                  const vb = v128.load32_splat(at4(wB, tap + kw));
                  a0 = madd(x0, va, a0);
                  a1 = madd(x1, va, a1);
                  a2 = madd(x2, va, a2);
                  a3 = madd(x3, va, a3);
                  b0 = madd(x0, vb, b0);
                  b1 = madd(x1, vb, b1);
                  b2 = madd(x2, vb, b2);
                  b3 = madd(x3, vb, b3);
                }
              }
            }
            const outA = at4(yA, oh * OW + ow), outB = at4(yB, oh * OW + ow);
            if (ow + ROW_BLOCK <= OW) {
              v128.store(outA, a0);
              v128.store(outA, a1, 16);
              v128.store(outA, a2, 32);
              v128.store(outA, a3, 48);
              v128.store(outB, b0);
              v128.store(outB, b1, 16);
              v128.store(outB, b2, 32);
              v128.store(outB, b3, 48);
            } else {
              // The row's last block is partial: only its first OW − ow outputs are stored.
              const rest = OW - ow;
              v128.store(rowBuf, b0);
              v128.store(rowBuf, b1, 16);
              v128.store(rowBuf, b2, 32);
              v128.store(rowBuf, b3, 48);
              copyFloats(outB, rowBuf, rest);
              v128.store(rowBuf, a0);
              v128.store(rowBuf, a1, 16);
              v128.store(rowBuf, a2, 32);
              v128.store(rowBuf, a3, 48);
              copyFloats(outA, rowBuf, rest);
            }
          }
        }
      }
    }
  }
}
