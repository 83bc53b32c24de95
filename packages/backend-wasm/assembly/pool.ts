// Max and average pooling over 3-D windows (lower ranks padded with unit
// dimensions), one plane (n, c) at a time so threads can split planes. For
// each output position the taps that land inside [lo, hi) are found per
// dimension up front, so the inner loops carry no bounds checks.

import { at4, zero4 } from './mem';
import { windowAt } from './window';

/** Taps k in [0, K) of the window at output o with lo ≤ o·s − p + k·dil < hi: first tap in `tapLo`, one past the last in `tapHi`. */
let tapLo = 0;
let tapHi = 0;

@inline function taps(o: i32, s: i32, p: i32, dil: i32, K: i32, lo: i32, hi: i32): void {
  const start = o * s - p;
  // k ≥ (lo − start) / dil, rounded up; k ≤ (hi − 1 − start) / dil, rounded down.
  const a = lo - start;
  const b = hi - 1 - start;
  // Integer division costs tens of cycles; skip it for the usual dilation 1.
  const first = a <= 0 ? 0 : dil == 1 ? a : (a + dil - 1) / dil;
  const last = b < 0 ? -1 : dil == 1 ? b : b / dil;
  tapLo = first;
  tapHi = max(first, min(K, last + 1));
}

/** Four window inputs at x[at], x[at + sw], x[at + 2sw], x[at + 3sw]. */
@inline function load4(x: usize, at: i32, sw: i32): v128 {
  const p = at4(x, at);
  if (sw == 1) return v128.load(p);
  if (sw == 2) return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(at4(p, sw)));
  v = f32x4.replace_lane(v, 2, load<f32>(at4(p, 2 * sw)));
  return f32x4.replace_lane(v, 3, load<f32>(at4(p, 3 * sw)));
}

/**
 * Max pooling of four neighbouring outputs whose windows lie inside the row
 * (all KW taps valid), lane by lane with masks: the scalar loop's
 * data-dependent branch mispredicts on about every other tap.
 */
@inline function maxPool4(
  x: usize, y: usize, idx: usize, out: i32, rowBase: i32, H: i32, Wd: i32,
  id0: i32, kd0: i32, kd1: i32, DD: i32, ih0: i32, kh0: i32, kh1: i32, DH: i32, KW: i32, DW: i32, iw: i32, SW: i32,
): void {
  let best = f32x4.splat(-Infinity);
  let bestAt = i32x4.splat(-1);
  const lanes = i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(SW));
  let first = true;
  for (let kd = kd0; kd < kd1; kd++) {
    for (let kh = kh0; kh < kh1; kh++) {
      const rowAt = rowBase + ((id0 + kd * DD) * H + ih0 + kh * DH) * Wd + iw;
      for (let kw = 0; kw < KW; kw++) {
        const at = rowAt + kw * DW;
        const v = load4(x, at, SW);
        const ats = i32x4.add(i32x4.splat(at), lanes);
        if (first) {
          best = v;
          bestAt = ats;
          first = false;
        } else {
          // NaN wins (as in PyTorch); otherwise the first maximum is kept.
          const take = v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
          best = v128.bitselect(v, best, take);
          bestAt = v128.bitselect(ats, bestAt, take);
        }
      }
    }
  }
  v128.store(at4(y, out), best);
  v128.store(at4(idx, out), bestAt);
}

/** Whether maxPool2x2 handles the geometry: 2×2 windows, stride 2, no padding or dilation, all inside the input. */
@inline function isPool2x2(D: i32, H: i32, Wd: i32, KD: i32, KH: i32, KW: i32, OD: i32, OH: i32, OW: i32, SH: i32, SW: i32, DH: i32, DW: i32, PD: i32, PH: i32, PW: i32): bool {
  return D == 1 && KD == 1 && OD == 1 && PD == 0 && KH == 2 && KW == 2 && SH == 2 && SW == 2 && DH == 1 && DW == 1
    && PH == 0 && PW == 0 && 2 * OH <= H && 2 * OW <= Wd;
}

/** One step of the running maximum: v replaces best where it is larger, or NaN over a number (as in PyTorch). */
@inline function takeMax(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
}

/**
 * LeNet's and VGG's pooling, 2×2 with stride 2: four outputs from two
 * 8-float loads per input row, the taps in the general kernel's order
 * (row by row), so values and indices match it exactly.
 */
function maxPool2x2(x: usize, y: usize, idx: usize, H: i32, Wd: i32, OH: i32, OW: i32, p0: i32, p1: i32): void {
  const S = H * Wd, L = OH * OW;
  const lanes = i32x4(0, 2, 4, 6);
  for (let p = p0; p < p1; p++) {
    for (let oh = 0; oh < OH; oh++) {
      const top = p * S + 2 * oh * Wd;
      const out = p * L + oh * OW;
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const at = top + 2 * ow;
        const r0 = at4(x, at), r1 = at4(x, at + Wd);
        const a0 = v128.load(r0), a1 = v128.load(r0, 16), b0 = v128.load(r1), b1 = v128.load(r1, 16);
        const i00 = i32x4.add(i32x4.splat(at), lanes);
        let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
        let bestAt = i00;
        let v = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        let take = takeMax(v, best);
        best = v128.bitselect(v, best, take);
        bestAt = v128.bitselect(i32x4.add(i00, i32x4.splat(1)), bestAt, take);
        v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
        take = takeMax(v, best);
        best = v128.bitselect(v, best, take);
        bestAt = v128.bitselect(i32x4.add(i00, i32x4.splat(Wd)), bestAt, take);
        v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        take = takeMax(v, best);
        best = v128.bitselect(v, best, take);
        bestAt = v128.bitselect(i32x4.add(i00, i32x4.splat(Wd + 1)), bestAt, take);
        v128.store(at4(y, out + ow), best);
        v128.store(at4(idx, out + ow), bestAt);
      }
      for (; ow < OW; ow++) {
        const at = top + 2 * ow;
        let best = load<f32>(at4(x, at));
        let bestAt = at;
        for (let t = 1; t < 4; t++) {
          const q = at + (t >> 1) * Wd + (t & 1);
          const v = load<f32>(at4(x, q));
          const take = (v > best) | ((v != v) & (best == best));
          best = select<f32>(v, best, take);
          bestAt = select<i32>(q, bestAt, take);
        }
        store<f32>(at4(y, out + ow), best);
        store<i32>(at4(idx, out + ow), bestAt);
      }
    }
  }
}

/** Max over each window of planes [p0, p1); idx gets the flat index into x of each maximum. */
export function maxPool(x: usize, y: usize, idx: usize, d: usize, p0: i32, p1: i32): void {
  const g = windowAt(d);
  // Locals, not g.X: each g.X is a load, and the stores in these loops keep
  // the engine from hoisting it (reading g directly measured 12-58% slower).
  const D = g.D, H = g.H, Wd = g.W, KD = g.KD, KH = g.KH, KW = g.KW, OD = g.OD, OH = g.OH, OW = g.OW;
  const SD = g.SD, SH = g.SH, SW = g.SW, DD = g.DD, DH = g.DH, DW = g.DW, PD = g.PD, PH = g.PH, PW = g.PW;
  const S = g.inSize, L = g.outSize;
  if (isPool2x2(D, H, Wd, KD, KH, KW, OD, OH, OW, SH, SW, DH, DW, PD, PH, PW)) {
    maxPool2x2(x, y, idx, H, Wd, OH, OW, p0, p1);
    return;
  }
  for (let p = p0; p < p1; p++) {
    const base = p * S;
    let out = p * L;
    for (let od = 0; od < OD; od++) {
      taps(od, SD, PD, DD, KD, 0, D);
      const kd0 = tapLo, kd1 = tapHi;
      for (let oh = 0; oh < OH; oh++) {
        taps(oh, SH, PH, DH, KH, 0, H);
        const kh0 = tapLo, kh1 = tapHi;
        // Outputs [owA, owB) have every kw tap inside the row; with a tap in every
        // other dimension too, four of them go through the SIMD path at once.
        const owA = min(OW, (PW + SW - 1) / SW);
        const owB = max(owA, min(OW, Wd - 1 + PW - (KW - 1) * DW >= 0 ? (Wd - 1 + PW - (KW - 1) * DW) / SW + 1 : 0));
        const simd = kd1 > kd0 && kh1 > kh0;
        for (let ow = 0; ow < OW; ow++) {
          if (simd && ow >= owA && ow + 4 <= owB) {
            maxPool4(x, y, idx, out, base, H, Wd, od * SD - PD, kd0, kd1, DD, oh * SH - PH, kh0, kh1, DH, KW, DW, ow * SW - PW, SW);
            out += 4;
            ow += 3;
            continue;
          }
          taps(ow, SW, PW, DW, KW, 0, Wd);
          const kw0 = tapLo, kw1 = tapHi;
          const iw0 = ow * SW - PW;
          let best = -Infinity as f32;
          let bestAt = -1;
          for (let kd = kd0; kd < kd1; kd++) {
            const id = od * SD - PD + kd * DD;
            for (let kh = kh0; kh < kh1; kh++) {
              const rowAt = base + (id * H + oh * SH - PH + kh * DH) * Wd + iw0;
              for (let kw = kw0; kw < kw1; kw++) {
                const at = rowAt + kw * DW;
                const v = load<f32>(at4(x, at));
                // NaN wins (as in PyTorch); otherwise the first maximum is kept.
                // Branch-free: on random data a branch here mispredicts half the time.
                const take = (v > best) | (bestAt < 0) | ((v != v) & (best == best));
                best = select<f32>(v, best, take);
                bestAt = select<i32>(at, bestAt, take);
              }
            }
          }
          store<f32>(at4(y, out), best);
          store<i32>(at4(idx, out), bestAt);
          out++;
        }
      }
    }
  }
}

/** Sum over the windows of four neighbouring outputs whose kw taps all lie inside the row. */
@inline function sum4(
  x: usize, rowBase: i32, H: i32, Wd: i32,
  id0: i32, kd0: i32, kd1: i32, DD: i32, ih0: i32, kh0: i32, kh1: i32, DH: i32, KW: i32, DW: i32, iw: i32, SW: i32,
): v128 {
  let sum = f32x4.splat(0);
  for (let kd = kd0; kd < kd1; kd++) {
    for (let kh = kh0; kh < kh1; kh++) {
      const rowAt = rowBase + ((id0 + kd * DD) * H + ih0 + kh * DH) * Wd + iw;
      for (let kw = 0; kw < KW; kw++) sum = f32x4.add(sum, load4(x, rowAt + kw * DW, SW));
    }
  }
  return sum;
}

/**
 * Average pooling or, with `adjoint`, its transpose (spreads dy/divisor over
 * each window into dx, which is zeroed first) for planes [p0, p1). The
 * divisor counts taps inside the padded input with countIncludePad, inside
 * the input otherwise.
 */
@inline function avgWalk(src: usize, dst: usize, d: usize, p0: i32, p1: i32, adjoint: bool): void {
  const g = windowAt(d);
  // Locals for the loops, as in maxPool.
  const D = g.D, H = g.H, Wd = g.W, KD = g.KD, KH = g.KH, KW = g.KW, OD = g.OD, OH = g.OH, OW = g.OW;
  const SD = g.SD, SH = g.SH, SW = g.SW, DD = g.DD, DH = g.DH, DW = g.DW, PD = g.PD, PH = g.PH, PW = g.PW;
  const inc = g.countIncludePad;
  const S = g.inSize, L = g.outSize;
  for (let p = p0; p < p1; p++) {
    const base = p * S;
    let out = p * L;
    if (adjoint) zero4(at4(dst, base), S);
    for (let od = 0; od < OD; od++) {
      taps(od, SD, PD, DD, KD, inc ? -PD : 0, inc ? D + g.PDAfter : D);
      const nd = tapHi - tapLo;
      taps(od, SD, PD, DD, KD, 0, D);
      const kd0 = tapLo, kd1 = tapHi;
      for (let oh = 0; oh < OH; oh++) {
        taps(oh, SH, PH, DH, KH, inc ? -PH : 0, inc ? H + g.PHAfter : H);
        const nh = tapHi - tapLo;
        taps(oh, SH, PH, DH, KH, 0, H);
        const kh0 = tapLo, kh1 = tapHi;
        // As in maxPool: outputs [owA, owB) have every kw tap inside the row, so
        // their divisor is nd·nh·KW and the forward pass sums four at a time.
        const owA = min(OW, (PW + SW - 1) / SW);
        const owB = max(owA, min(OW, Wd - 1 + PW - (KW - 1) * DW >= 0 ? (Wd - 1 + PW - (KW - 1) * DW) / SW + 1 : 0));
        const rowCount = nd * nh * KW;
        for (let ow = 0; ow < OW; ow++) {
          if (!adjoint && rowCount > 0 && ow >= owA && ow + 4 <= owB) {
            const sum = sum4(src, base, H, Wd, od * SD - PD, kd0, kd1, DD, oh * SH - PH, kh0, kh1, DH, KW, DW, ow * SW - PW, SW);
            v128.store(at4(dst, out), f32x4.mul(sum, f32x4.splat(1 / <f32>rowCount)));
            out += 4;
            ow += 3;
            continue;
          }
          taps(ow, SW, PW, DW, KW, inc ? -PW : 0, inc ? Wd + g.PWAfter : Wd);
          const count = nd * nh * (tapHi - tapLo);
          taps(ow, SW, PW, DW, KW, 0, Wd);
          const kw0 = tapLo, kw1 = tapHi;
          const iw0 = ow * SW - PW;
          // A window with no tap to count has nothing to average: 0, not NaN.
          const scale: f32 = count > 0 ? 1 / <f32>count : 0;
          const share: f32 = adjoint ? load<f32>(at4(src, out)) * scale : 0;
          let sum: f32 = 0;
          for (let kd = kd0; kd < kd1; kd++) {
            const id = od * SD - PD + kd * DD;
            for (let kh = kh0; kh < kh1; kh++) {
              const rowAt = base + (id * H + oh * SH - PH + kh * DH) * Wd + iw0;
              for (let kw = kw0; kw < kw1; kw++) {
                const q = at4(adjoint ? dst : src, rowAt + kw * DW);
                if (adjoint) store<f32>(q, load<f32>(q) + share);
                else sum += load<f32>(q);
              }
            }
          }
          if (!adjoint) store<f32>(at4(dst, out), sum * scale);
          out++;
        }
      }
    }
  }
}

/** Average over each window of planes [p0, p1). */
export function avgPool(x: usize, y: usize, d: usize, p0: i32, p1: i32): void {
  avgWalk(x, y, d, p0, p1, false);
}

/** The adjoint of avgPool for planes [p0, p1): dx is overwritten. */
export function avgPoolBackward(dy: usize, dx: usize, d: usize, p0: i32, p1: i32): void {
  avgWalk(dy, dx, d, p0, p1, true);
}
