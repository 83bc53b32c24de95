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

/** Widest kernel row the direct filter gradient keeps in registers (one accumulator per kw). */
const FILTER_MAX_KW = 8;

/** Whether the direct filter gradient handles this geometry. */
export function directFilterApplies(d: usize): bool {
  return directApplies(d) && windowAt(d).KW <= FILTER_MAX_KW;
}

/** Scratch floats of the direct filter gradient: the padded planes, an output row block and the accumulators. */
export function directFilterScratchFloats(d: usize): i32 {
  const g = windowAt(d);
  return directScratchFloats(d) + (g.O / g.groups) * (g.C / g.groups) * g.kernelSize * 4;
}

/**
 * Adds Σ over the plane's output positions of dy · x at tap (kh, kw), for
 * kw in [0, KW), into the KW lane-sum vectors at acc. dy is read along the
 * output row four positions at a time (a partial last vector is masked), x
 * from the padded plane at the same positions shifted by kw.
 */
@inline function filterRows(KW: i32, P: usize, Wp: i32, dyPlane: usize, OH: i32, OW: i32, kh: i32, acc: usize): void {
  let a0 = v128.load(acc), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  if (KW > 1) a1 = v128.load(acc, 16);
  if (KW > 2) a2 = v128.load(acc, 32);
  if (KW > 3) a3 = v128.load(acc, 48);
  if (KW > 4) a4 = v128.load(acc, 64);
  if (KW > 5) a5 = v128.load(acc, 80);
  if (KW > 6) a6 = v128.load(acc, 96);
  if (KW > 7) a7 = v128.load(acc, 112);
  const full = OW >> 2, rest = OW & 3;
  const mask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rest));
  for (let oh = 0; oh < OH; oh++) {
    const xr = at4(P, (oh + kh) * Wp);
    const dr = at4(dyPlane, oh * OW);
    for (let j = 0; j <= full; j++) {
      if (j == full && rest == 0) break;
      let dv = v128.load(at4(dr, 4 * j));
      // Lanes past the row end belong to the next row: they must add nothing.
      if (j == full) dv = v128.and(dv, mask);
      const xp = at4(xr, 4 * j);
      a0 = madd(dv, v128.load(xp), a0);
      if (KW > 1) a1 = madd(dv, v128.load(xp, 4), a1);
      if (KW > 2) a2 = madd(dv, v128.load(xp, 8), a2);
      if (KW > 3) a3 = madd(dv, v128.load(xp, 12), a3);
      if (KW > 4) a4 = madd(dv, v128.load(xp, 16), a4);
      if (KW > 5) a5 = madd(dv, v128.load(xp, 20), a5);
      if (KW > 6) a6 = madd(dv, v128.load(xp, 24), a6);
      if (KW > 7) a7 = madd(dv, v128.load(xp, 28), a7);
    }
  }
  v128.store(acc, a0);
  if (KW > 1) v128.store(acc, a1, 16);
  if (KW > 2) v128.store(acc, a2, 32);
  if (KW > 3) v128.store(acc, a3, 48);
  if (KW > 4) v128.store(acc, a4, 64);
  if (KW > 5) v128.store(acc, a5, 80);
  if (KW > 6) v128.store(acc, a6, 96);
  if (KW > 7) v128.store(acc, a7, 112);
}

/**
 * Rows [o0, o1) of dw summed over images [n0, n1) into out (O×C/G×k,
 * overwritten), for the geometries of directFilterApplies: each tap's four
 * lane sums run over the images in order, then add up as (l0 + l1) + (l2 + l3),
 * so the result depends on [n0, n1) alone, never on which thread did it.
 */
export function directFilter(x: usize, dy: usize, out: usize, d: usize, n0: i32, n1: i32, o0: i32, o1: i32, scratch: usize): void {
  const g = windowAt(d);
  const C = g.C, O = g.O, G = g.groups;
  const Cg = C / G, Og = O / G;
  const KH = g.KH, KW = g.KW, KK = KH * KW, CK = Cg * KK;
  const OH = g.OH, OW = g.OW, L = OH * OW, S = g.inSize;
  const Wp = planeWidth(d), plane = planeRows(d) * Wp;
  const acc = at4(scratch, directScratchFloats(d));
  for (let gi = 0; gi < G; gi++) {
    const oa = max(o0, gi * Og), ob = min(o1, (gi + 1) * Og);
    if (oa >= ob) continue;
    zeroFloats(acc, (ob - oa) * CK * 4);
    for (let n = n0; n < n1; n++) {
      padPlanes(at4(x, (n * C + gi * Cg) * S), Cg, d, scratch);
      for (let o = oa; o < ob; o++) {
        const dyPlane = at4(dy, (n * O + o) * L);
        for (let c = 0; c < Cg; c++) {
          const P = at4(scratch, c * plane);
          for (let kh = 0; kh < KH; kh++) {
            const a = at4(acc, (((o - oa) * Cg + c) * KK + kh * KW) * 4);
            switch (KW) {
              case 1: filterRows(1, P, Wp, dyPlane, OH, OW, kh, a); break;
              case 2: filterRows(2, P, Wp, dyPlane, OH, OW, kh, a); break;
              case 3: filterRows(3, P, Wp, dyPlane, OH, OW, kh, a); break;
              case 4: filterRows(4, P, Wp, dyPlane, OH, OW, kh, a); break;
              case 5: filterRows(5, P, Wp, dyPlane, OH, OW, kh, a); break;
              case 6: filterRows(6, P, Wp, dyPlane, OH, OW, kh, a); break;
              case 7: filterRows(7, P, Wp, dyPlane, OH, OW, kh, a); break;
              default: filterRows(8, P, Wp, dyPlane, OH, OW, kh, a); break;
            }
          }
        }
      }
    }
    for (let o = oa; o < ob; o++) {
      for (let k = 0; k < CK; k++) {
        const v = v128.load(at4(acc, ((o - oa) * CK + k) * 4));
        const s = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
        store<f32>(at4(out, o * CK + k), s);
      }
    }
  }
}
