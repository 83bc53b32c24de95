// Max and average pooling over 3-D windows (lower ranks padded with unit
// dimensions), one plane (n, c) at a time so threads can split planes.

import * as W from './opcodes';
import { at4, word, zero4 } from './mem';

/** Number of window taps k in [0, K) with lo ≤ o·s − p + k·dil < hi. */
@inline function tapsInside(o: i32, s: i32, p: i32, dil: i32, K: i32, lo: i32, hi: i32): i32 {
  let count = 0;
  const start = o * s - p;
  for (let k = 0; k < K; k++) {
    const i = start + k * dil;
    if (i >= lo && i < hi) count++;
  }
  return count;
}

/** Max over each window of planes [p0, p1); idx gets the flat index into x of each maximum. */
export function maxPool(x: usize, y: usize, idx: usize, d: usize, p0: i32, p1: i32): void {
  const D = word(d, W.W_D), H = word(d, W.W_H), Wd = word(d, W.W_W);
  const KD = word(d, W.W_KD), KH = word(d, W.W_KH), KW = word(d, W.W_KW);
  const OD = word(d, W.W_OD), OH = word(d, W.W_OH), OW = word(d, W.W_OW);
  const SD = word(d, W.W_SD), SH = word(d, W.W_SH), SW = word(d, W.W_SW);
  const DD = word(d, W.W_DD), DH = word(d, W.W_DH), DW = word(d, W.W_DW);
  const PD = word(d, W.W_PD), PH = word(d, W.W_PH), PW = word(d, W.W_PW);
  const S = D * H * Wd, L = OD * OH * OW;
  for (let p = p0; p < p1; p++) {
    const base = p * S;
    let out = p * L;
    for (let od = 0; od < OD; od++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let best = -Infinity as f32;
          let bestAt = -1;
          for (let kd = 0; kd < KD; kd++) {
            const id = od * SD - PD + kd * DD;
            if (id < 0 || id >= D) continue;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * SH - PH + kh * DH;
              if (ih < 0 || ih >= H) continue;
              const rowAt = base + (id * H + ih) * Wd;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * SW - PW + kw * DW;
                if (iw < 0 || iw >= Wd) continue;
                const v = load<f32>(at4(x, rowAt + iw));
                // NaN wins (as in PyTorch); otherwise the first maximum is kept.
                if (bestAt < 0 || v > best || (v != v && best == best)) {
                  best = v;
                  bestAt = rowAt + iw;
                }
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

/** Per-dimension divisor bounds: [−before, in + after) with countIncludePad, else [0, in). */
@inline function lowBound(includePad: bool, before: i32): i32 {
  return includePad ? -before : 0;
}

/**
 * Average pooling (scale = 1) or its adjoint (adjoint = true: spreads
 * dy/divisor over each window into dx, which is zeroed first) for planes [p0, p1).
 */
@inline function avgWalk(src: usize, dst: usize, d: usize, p0: i32, p1: i32, adjoint: bool): void {
  const D = word(d, W.W_D), H = word(d, W.W_H), Wd = word(d, W.W_W);
  const KD = word(d, W.W_KD), KH = word(d, W.W_KH), KW = word(d, W.W_KW);
  const OD = word(d, W.W_OD), OH = word(d, W.W_OH), OW = word(d, W.W_OW);
  const SD = word(d, W.W_SD), SH = word(d, W.W_SH), SW = word(d, W.W_SW);
  const DD = word(d, W.W_DD), DH = word(d, W.W_DH), DW = word(d, W.W_DW);
  const PD = word(d, W.W_PD), PH = word(d, W.W_PH), PW = word(d, W.W_PW);
  const inc = word(d, W.W_COUNT_INCLUDE_PAD) != 0;
  const hiD = inc ? D + word(d, W.W_PD_AFTER) : D;
  const hiH = inc ? H + word(d, W.W_PH_AFTER) : H;
  const hiW = inc ? Wd + word(d, W.W_PW_AFTER) : Wd;
  const S = D * H * Wd, L = OD * OH * OW;
  for (let p = p0; p < p1; p++) {
    const base = p * S;
    let out = p * L;
    if (adjoint) zero4(at4(dst, base), S);
    for (let od = 0; od < OD; od++) {
      const nd = tapsInside(od, SD, PD, DD, KD, lowBound(inc, PD), hiD);
      for (let oh = 0; oh < OH; oh++) {
        const nh = tapsInside(oh, SH, PH, DH, KH, lowBound(inc, PH), hiH);
        for (let ow = 0; ow < OW; ow++) {
          const nw = tapsInside(ow, SW, PW, DW, KW, lowBound(inc, PW), hiW);
          const count = nd * nh * nw;
          const scale: f32 = count > 0 ? 1 / <f32>count : 0;
          const g: f32 = adjoint ? load<f32>(at4(src, out)) * scale : 0;
          let sum: f32 = 0;
          for (let kd = 0; kd < KD; kd++) {
            const id = od * SD - PD + kd * DD;
            if (id < 0 || id >= D) continue;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * SH - PH + kh * DH;
              if (ih < 0 || ih >= H) continue;
              const rowAt = base + (id * H + ih) * Wd;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * SW - PW + kw * DW;
                if (iw < 0 || iw >= Wd) continue;
                if (adjoint) {
                  const q = at4(dst, rowAt + iw);
                  store<f32>(q, load<f32>(q) + g);
                } else {
                  sum += load<f32>(at4(src, rowAt + iw));
                }
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
