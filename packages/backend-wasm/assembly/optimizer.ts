// One optimizer step of one float32 parameter per call. Every value is rounded
// as core's composition of the rule rounds it: one float32 operation after
// another, in the composition's order (an f32x4 lane rounds as a scalar
// float32 operation does), so the fused and the composed path give the same
// floats. The last n mod 4 elements go through the same vector code one lane
// at a time.

import { at4 } from './mem';
import {
  OPT_DECOUPLED,
  OPT_MAXIMIZE,
  OPT_MOMENTUM,
  OPT_NESTEROV,
  OPT_STATE,
  OPT_WEIGHT_DECAY,
} from './opcodes';

@inline function ld(p: usize, i: i32, lane: bool): v128 {
  return lane ? f32x4.splat(load<f32>(at4(p, i))) : v128.load(at4(p, i));
}

@inline function st(p: usize, i: i32, v: v128, lane: bool): void {
  if (lane) store<f32>(at4(p, i), f32x4.extract_lane(v, 0));
  else v128.store(at4(p, i), v);
}

@inline function sgdAt(
  p: usize, g: usize, buf: usize, outP: usize, outBuf: usize, i: i32, lane: bool,
  lr: v128, momentum: v128, oneMinusDampening: v128, weightDecay: v128, flags: i32,
): void {
  const pv = ld(p, i, lane);
  let d = ld(g, i, lane);
  if (flags & OPT_MAXIMIZE) d = f32x4.neg(d);
  if (flags & OPT_WEIGHT_DECAY) d = f32x4.add(d, f32x4.mul(pv, weightDecay));
  if (flags & OPT_MOMENTUM) {
    const b = flags & OPT_STATE
      ? f32x4.add(f32x4.mul(ld(buf, i, lane), momentum), f32x4.mul(d, oneMinusDampening))
      : d;
    st(outBuf, i, b, lane);
    d = flags & OPT_NESTEROV ? f32x4.add(d, f32x4.mul(b, momentum)) : b;
  }
  st(outP, i, f32x4.sub(pv, f32x4.mul(d, lr)), lane);
}

/**
 * torch.optim.SGD on n elements: d = ±g (+ wd·p); with momentum
 * buf = momentum·buf + (1 − dampening)·d (d itself on the first step) and
 * d = buf, or d + momentum·buf for Nesterov; p − lr·d into outP. buf and
 * outBuf are read and written only with OPT_MOMENTUM (buf with OPT_STATE).
 */
export function sgdStep32(
  p: usize, g: usize, buf: usize, outP: usize, outBuf: usize, n: i32,
  lr: f32, momentum: f32, oneMinusDampening: f32, weightDecay: f32, flags: i32,
): void {
  const lv = f32x4.splat(lr), mv = f32x4.splat(momentum);
  const dv = f32x4.splat(oneMinusDampening), wv = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) sgdAt(p, g, buf, outP, outBuf, i, false, lv, mv, dv, wv, flags);
  for (; i < n; i++) sgdAt(p, g, buf, outP, outBuf, i, true, lv, mv, dv, wv, flags);
}

@inline function adamAt(
  p: usize, g: usize, m: usize, v: usize, outP: usize, outM: usize, outV: usize, i: i32, lane: bool,
  beta1: v128, oneMinusBeta1: v128, beta2: v128, oneMinusBeta2: v128, bias2Sqrt: v128, eps: v128,
  stepSize: v128, weightDecay: v128, decay: v128, flags: i32,
): void {
  const pv = ld(p, i, lane);
  let d = ld(g, i, lane);
  if (flags & OPT_MAXIMIZE) d = f32x4.neg(d);
  const decayWeights = (flags & OPT_WEIGHT_DECAY) != 0 && (flags & OPT_DECOUPLED) != 0;
  if ((flags & OPT_WEIGHT_DECAY) != 0 && (flags & OPT_DECOUPLED) == 0) d = f32x4.add(d, f32x4.mul(pv, weightDecay));
  const p0 = decayWeights ? f32x4.mul(pv, decay) : pv;
  const state = (flags & OPT_STATE) != 0;
  const m0 = state ? ld(m, i, lane) : f32x4.splat(0);
  const v0 = state ? ld(v, i, lane) : f32x4.splat(0);
  const m1 = f32x4.add(f32x4.mul(m0, beta1), f32x4.mul(d, oneMinusBeta1));
  const v1 = f32x4.add(f32x4.mul(v0, beta2), f32x4.mul(f32x4.mul(d, d), oneMinusBeta2));
  const denom = f32x4.add(f32x4.div(f32x4.sqrt(v1), bias2Sqrt), eps);
  st(outM, i, m1, lane);
  st(outV, i, v1, lane);
  st(outP, i, f32x4.sub(p0, f32x4.mul(f32x4.div(m1, denom), stepSize)), lane);
}

/**
 * torch.optim.Adam (AdamW with OPT_DECOUPLED) on n elements, without
 * amsgrad: m = β1·m + (1 − β1)·d, v = β2·v + (1 − β2)·d², then
 * p − stepSize·m/(√v/bias2Sqrt + eps) with stepSize = lr/(1 − β1ᵗ) and
 * bias2Sqrt = √(1 − β2ᵗ); d = ±g (+ wd·p), or for AdamW p first scaled by
 * decay = 1 − lr·wd. m and v are read only with OPT_STATE (0 before).
 */
export function adamStep32(
  p: usize, g: usize, m: usize, v: usize, outP: usize, outM: usize, outV: usize, n: i32,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, bias2Sqrt: f32, eps: f32,
  stepSize: f32, weightDecay: f32, decay: f32, flags: i32,
): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const bc = f32x4.splat(bias2Sqrt), ev = f32x4.splat(eps), sv = f32x4.splat(stepSize);
  const wv = f32x4.splat(weightDecay), kv = f32x4.splat(decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) adamAt(p, g, m, v, outP, outM, outV, i, false, b1, c1, b2, c2, bc, ev, sv, wv, kv, flags);
  for (; i < n; i++) adamAt(p, g, m, v, outP, outM, outV, i, true, b1, c1, b2, c2, bc, ev, sv, wv, kv, flags);
}
