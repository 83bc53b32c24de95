// Batch normalization over an n×C×s float32 tensor (s: the product of the
// spatial axes), one channel at a time: in training, so a channel's n·s
// values are still in cache for the passes after the first; in inference,
// so the channel's factors are computed once, beside its rows. Threads take
// ranges of channels: each channel is summed in one order whatever the
// thread count, so results do not depend on it.

import * as R from './opcodes';
import { at4 } from './mem';
import { foldRow } from './reduce';

/** Σ (p[i] − m)² over a row of s floats. */
@inline function rowSquares(p: usize, s: i32, m: f32): f32 {
  const mv = f32x4.splat(m);
  let v0 = f32x4.splat(0), v1 = v0, v2 = v0, v3 = v0;
  let i = 0;
  for (; i + 16 <= s; i += 16) {
    const d0 = f32x4.sub(v128.load(at4(p, i)), mv);
    const d1 = f32x4.sub(v128.load(at4(p, i + 4)), mv);
    const d2 = f32x4.sub(v128.load(at4(p, i + 8)), mv);
    const d3 = f32x4.sub(v128.load(at4(p, i + 12)), mv);
    v0 = f32x4.add(v0, f32x4.mul(d0, d0));
    v1 = f32x4.add(v1, f32x4.mul(d1, d1));
    v2 = f32x4.add(v2, f32x4.mul(d2, d2));
    v3 = f32x4.add(v3, f32x4.mul(d3, d3));
  }
  for (; i + 4 <= s; i += 4) {
    const d = f32x4.sub(v128.load(at4(p, i)), mv);
    v0 = f32x4.add(v0, f32x4.mul(d, d));
  }
  const v = f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3));
  let total = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  for (; i < s; i++) {
    const d = load<f32>(at4(p, i)) - m;
    total += d * d;
  }
  return total;
}

/** y = (x − m)·scale + shift over a row of s floats. */
@inline function normalizeRow(px: usize, py: usize, s: i32, m: f32, scale: f32, shift: f32): void {
  const mv = f32x4.splat(m), sv = f32x4.splat(scale), bv = f32x4.splat(shift);
  let i = 0;
  for (; i + 4 <= s; i += 4)
    v128.store(at4(py, i), f32x4.add(f32x4.mul(f32x4.sub(v128.load(at4(px, i)), mv), sv), bv));
  for (; i < s; i++) store<f32>(at4(py, i), (load<f32>(at4(px, i)) - m) * scale + shift);
}

/** A per-channel vector's element, or `fallback` when the vector is absent (address 0). */
@inline function channelValue(p: usize, ch: i32, fallback: f32): f32 {
  return p == 0 ? fallback : load<f32>(at4(p, ch));
}

/**
 * Channels [c0, c1): mean and biased variance over the n·s values of each
 * (two passes, as the composition takes them; the mean's rows fold as the
 * reduce kernel folds them), then
 * y = (x − mean)·weight/√(variance + eps) + bias. weight and bias may be 0 (absent).
 */
export function batchNormTraining(
  x: usize, weight: usize, bias: usize, y: usize, mean: usize, variance: usize,
  n: i32, c: i32, s: i32, eps: f32, c0: i32, c1: i32,
): void {
  const count = <f32>n * <f32>s;
  const plane = c * s;
  for (let ch = c0; ch < c1; ch++) {
    let total: f32 = 0;
    for (let i = 0; i < n; i++) total += foldRow(R.R_SUM, at4(x, i * plane + ch * s), s);
    const m = total / count;
    let squares: f32 = 0;
    for (let i = 0; i < n; i++) squares += rowSquares(at4(x, i * plane + ch * s), s, m);
    const v = squares / count;
    const scale = channelValue(weight, ch, 1) / Mathf.sqrt(v + eps);
    const shift = channelValue(bias, ch, 0);
    for (let i = 0; i < n; i++) {
      const o = i * plane + ch * s;
      normalizeRow(at4(x, o), at4(y, o), s, m, scale, shift);
    }
    store<f32>(at4(mean, ch), m);
    store<f32>(at4(variance, ch), v);
  }
}

/** Σ dy and Σ dy·(x − m) of the last rowMoments call (AssemblyScript returns one value; each worker has its own globals). */
let momentDy: f32 = 0;
let momentDyCentered: f32 = 0;

/** Sets momentDy and momentDyCentered for a row of s floats of dy and x. */
@inline function rowMoments(pdy: usize, px: usize, s: i32, m: f32): void {
  const mv = f32x4.splat(m);
  let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0;
  let i = 0;
  for (; i + 8 <= s; i += 8) {
    const g0 = v128.load(at4(pdy, i)), g1 = v128.load(at4(pdy, i + 4));
    a0 = f32x4.add(a0, g0);
    a1 = f32x4.add(a1, g1);
    b0 = f32x4.add(b0, f32x4.mul(g0, f32x4.sub(v128.load(at4(px, i)), mv)));
    b1 = f32x4.add(b1, f32x4.mul(g1, f32x4.sub(v128.load(at4(px, i + 4)), mv)));
  }
  for (; i + 4 <= s; i += 4) {
    const g = v128.load(at4(pdy, i));
    a0 = f32x4.add(a0, g);
    b0 = f32x4.add(b0, f32x4.mul(g, f32x4.sub(v128.load(at4(px, i)), mv)));
  }
  const a = f32x4.add(a0, a1), b = f32x4.add(b0, b1);
  let sumDy = (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
  let sumDyCentered = (f32x4.extract_lane(b, 0) + f32x4.extract_lane(b, 1)) + (f32x4.extract_lane(b, 2) + f32x4.extract_lane(b, 3));
  for (; i < s; i++) {
    const g = load<f32>(at4(pdy, i));
    sumDy += g;
    sumDyCentered += g * (load<f32>(at4(px, i)) - m);
  }
  momentDy = sumDy;
  momentDyCentered = sumDyCentered;
}

/** dx = k·dy + a·(x − m) + b over a row of s floats. */
@inline function gradientRow(pdy: usize, px: usize, pdx: usize, s: i32, m: f32, k: f32, a: f32, b: f32): void {
  const mv = f32x4.splat(m), kv = f32x4.splat(k), av = f32x4.splat(a), bv = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= s; i += 4) {
    const centered = f32x4.sub(v128.load(at4(px, i)), mv);
    v128.store(at4(pdx, i), f32x4.add(f32x4.add(f32x4.mul(v128.load(at4(pdy, i)), kv), f32x4.mul(centered, av)), bv));
  }
  for (; i < s; i++)
    store<f32>(at4(pdx, i), load<f32>(at4(pdy, i)) * k + (load<f32>(at4(px, i)) - m) * a + b);
}

/**
 * Channels [c0, c1) of batch normalization's gradients, with σ = √(variance + eps):
 * dBias = Σ dy, dWeight = Σ dy·(x − mean)/σ, and
 * dx = weight/σ · (dy − dBias/m − (x − mean)/σ · dWeight/m) over the m = n·s values.
 */
export function batchNormBackward(
  dy: usize, x: usize, mean: usize, variance: usize, weight: usize,
  dx: usize, dWeight: usize, dBias: usize,
  n: i32, c: i32, s: i32, eps: f32, c0: i32, c1: i32,
): void {
  const count = <f32>n * <f32>s;
  const plane = c * s;
  for (let ch = c0; ch < c1; ch++) {
    const m = load<f32>(at4(mean, ch));
    const invStd: f32 = 1 / Mathf.sqrt(load<f32>(at4(variance, ch)) + eps);
    let sumDy: f32 = 0, sumDyCentered: f32 = 0;
    for (let i = 0; i < n; i++) {
      const o = i * plane + ch * s;
      rowMoments(at4(dy, o), at4(x, o), s, m);
      sumDy += momentDy;
      sumDyCentered += momentDyCentered;
    }
    const k = channelValue(weight, ch, 1) * invStd;
    const a = (-k * invStd * invStd * sumDyCentered) / count;
    const b = (-k * sumDy) / count;
    for (let i = 0; i < n; i++) {
      const o = i * plane + ch * s;
      gradientRow(at4(dy, o), at4(x, o), at4(dx, o), s, m, k, a, b);
    }
    store<f32>(at4(dWeight, ch), sumDyCentered * invStd);
    store<f32>(at4(dBias, ch), sumDy);
  }
}

/** y = x·scale + shift over a row of s floats. */
@inline function affineRow(px: usize, py: usize, s: i32, scale: f32, shift: f32): void {
  const sv = f32x4.splat(scale), bv = f32x4.splat(shift);
  let i = 0;
  for (; i + 16 <= s; i += 16) {
    v128.store(at4(py, i), f32x4.add(f32x4.mul(v128.load(at4(px, i)), sv), bv));
    v128.store(at4(py, i + 4), f32x4.add(f32x4.mul(v128.load(at4(px, i + 4)), sv), bv));
    v128.store(at4(py, i + 8), f32x4.add(f32x4.mul(v128.load(at4(px, i + 8)), sv), bv));
    v128.store(at4(py, i + 12), f32x4.add(f32x4.mul(v128.load(at4(px, i + 12)), sv), bv));
  }
  for (; i + 4 <= s; i += 4) v128.store(at4(py, i), f32x4.add(f32x4.mul(v128.load(at4(px, i)), sv), bv));
  for (; i < s; i++) store<f32>(at4(py, i), load<f32>(at4(px, i)) * scale + shift);
}

/**
 * Channels [c0, c1) of batch normalization by given statistics, as
 * y = x·scale + shift with scale = weight/√(variance + eps) and
 * shift = bias − mean·scale, each rounded as core's composition rounds it
 * (1/√ first, then the weight), so both paths give the same floats.
 * weight and bias may be 0 (absent).
 */
export function batchNormInference(
  x: usize, mean: usize, variance: usize, weight: usize, bias: usize, y: usize,
  n: i32, c: i32, s: i32, eps: f32, c0: i32, c1: i32,
): void {
  const plane = c * s;
  for (let ch = c0; ch < c1; ch++) {
    const invStd: f32 = 1 / Mathf.sqrt(load<f32>(at4(variance, ch)) + eps);
    const scale = weight == 0 ? invStd : invStd * load<f32>(at4(weight, ch));
    const meanTimesScale = load<f32>(at4(mean, ch)) * scale;
    const shift = bias == 0 ? -meanTimesScale : load<f32>(at4(bias, ch)) - meanTimesScale;
    for (let i = 0; i < n; i++) {
      const o = i * plane + ch * s;
      affineRow(at4(x, o), at4(y, o), s, scale, shift);
    }
  }
}
