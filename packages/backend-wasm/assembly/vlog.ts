// Four-lane natural log (Cephes logf): x = m·2^e with m in [√½, √2), log(m)
// by a degree-9 polynomial in m − 1, e·ln2 added in two parts; about 1 ulp.
// Subnormals are scaled into the normal range first. log(0) = −∞,
// log(+∞) = +∞, negative and NaN lanes give NaN.

const SQRTHF: f32 = 0.707106781186547524;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const MIN_NORMAL: f32 = 1.17549435e-38;

/** log(x) per lane. */
@inline export function logv(x: v128): v128 {
  const tiny = f32x4.lt(x, f32x4.splat(MIN_NORMAL));
  const bits = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608)), x, tiny);
  // Exponent with the mantissa taken in [0.5, 1); 2^23 scaling undone on tiny lanes.
  let e = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126)));
  e = f32x4.sub(e, v128.and(tiny, f32x4.splat(23)));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  // Recentre m to [√½, √2) so m − 1 is small on both sides of 1.
  const low = f32x4.lt(m, f32x4.splat(SQRTHF));
  e = f32x4.sub(e, v128.and(low, f32x4.splat(1)));
  m = f32x4.sub(f32x4.add(m, v128.and(low, m)), f32x4.splat(1));
  const z = f32x4.mul(m, m);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = f32x4.add(y, f32x4.mul(e, f32x4.splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  y = f32x4.add(f32x4.add(m, y), f32x4.mul(e, f32x4.splat(LN2_HI)));
  // Lanes outside the polynomial's domain: 0, +∞, negatives and NaN.
  y = v128.bitselect(f32x4.splat(-<f32>Infinity), y, f32x4.eq(x, f32x4.splat(0)));
  y = v128.bitselect(x, y, f32x4.eq(x, f32x4.splat(<f32>Infinity)));
  return v128.bitselect(f32x4.splat(<f32>NaN), y, v128.not(f32x4.ge(x, f32x4.splat(0))));
}
