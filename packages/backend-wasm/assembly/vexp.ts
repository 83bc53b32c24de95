// Four-lane exp (Cephes expf): x = n·ln2 + r with |r| ≤ ln2/2, e^r by a
// degree-6 polynomial, 2^n applied in two halves so results down to the
// subnormal range and up to FLT_MAX stay exact to within ~2 ulp; overflow
// gives +∞, NaN stays NaN.

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

/** 2^n for integer lanes |n| ≤ 64 (always a normal float). */
@inline function pow2(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/** e^x per lane. */
@inline export function expv(x: v128): v128 {
  // Beyond these bounds the result is 0 or +∞ anyway; clamping keeps n small. min/max keep NaN.
  x = f32x4.max(f32x4.min(x, f32x4.splat(88.8)), f32x4.splat(-104));
  const fx = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let r = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const n = i32x4.trunc_sat_f32x4_s(fx);
  const half = i32x4.shr_s(n, 1);
  return f32x4.mul(f32x4.mul(y, pow2(half)), pow2(i32x4.sub(n, half)));
}
