/**
 * Tables behind the Box–Muller transform of `Random`: log and (cos, sin)
 * at bucket centres, corrected by short series. They are computed here with
 * +, −, ×, ÷ only (never Math.log or Math.sin, whose last bits differ between
 * JavaScript engines), so a seed gives bit-identical normals in Node and in
 * every browser, and each pair costs a few table reads instead of three
 * transcendental calls.
 */

/** Bits of a mantissa that pick a log bucket. */
export const LOG_BITS = 7;
/** Bits of a 32-bit angle that pick a trig bucket. */
export const TRIG_BITS = 8;

export const LN2 = Math.LN2;

/** log(m) for m in [0.5, 2]: the atanh series in s = (m − 1)/(m + 1), |s| ≤ 1/3, to full double precision. */
function seriesLog(m: number): number {
  const s = (m - 1) / (m + 1);
  const z = s * s;
  let acc = 0;
  for (let k = 20; k >= 0; k--) acc = 1 / (2 * k + 1) + z * acc;
  return 2 * s * acc;
}

/** sin and cos by Taylor series, |x| ≤ π. */
function seriesSinCos(x: number): [number, number] {
  let sin = x;
  let cos = 1;
  let ts = x;
  let tc = 1;
  for (let k = 1; k < 20; k++) {
    ts *= (-x * x) / (2 * k * (2 * k + 1));
    tc *= (-x * x) / ((2 * k - 1) * (2 * k));
    sin += ts;
    cos += tc;
  }
  return [sin, cos];
}

const logCount = 1 << LOG_BITS;
/** log(m₀) at the centre m₀ of each mantissa bucket of [1, 2). */
export const LOG_CENTRE = new Float64Array(logCount);
/** 1 / m₀, so the remainder m / m₀ − 1 costs a multiply. */
export const LOG_INVERSE = new Float64Array(logCount);
for (let j = 0; j < logCount; j++) {
  const m0 = 1 + (j + 0.5) / logCount;
  LOG_INVERSE[j] = 1 / m0;
  LOG_CENTRE[j] = m0 <= Math.SQRT2 ? seriesLog(m0) : LN2 + seriesLog(m0 / 2);
}

const trigCount = 1 << TRIG_BITS;
/** cos and sin at the centre of each of the 2^TRIG_BITS sectors of a full turn. */
export const COS_CENTRE = new Float64Array(trigCount);
export const SIN_CENTRE = new Float64Array(trigCount);
for (let j = 0; j < trigCount; j++) {
  // Angles past π are taken as negative so the series argument stays within ±π.
  const turn = (j + 0.5) / trigCount;
  const [s, c] = seriesSinCos(2 * Math.PI * (turn > 0.5 ? turn - 1 : turn));
  SIN_CENTRE[j] = s;
  COS_CENTRE[j] = c;
}

/** 2^(1−k): scales the integer x + 0.5 with k leading zeros into [1, 2). */
export const MANTISSA_SCALE = Float64Array.from({ length: 34 }, (_, k) => 2 ** (1 - k));

/** Radians per unit of a 32-bit angle. */
export const ANGLE_UNIT = (2 * Math.PI) / 4294967296;
