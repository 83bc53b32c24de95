/**
 * The ziggurat behind `Random.normal` and `Random.fillNormal` (Marsaglia and
 * Tsang's 128 layers, in Doornik's formulation), and the exp and log it
 * needs. Both are written with +, −, ×, ÷ and Math.sqrt only (never Math.exp
 * or Math.log, whose last bits differ between JavaScript engines), so the
 * tables, and with them every normal a seed gives, are bit-identical in Node
 * and in every browser.
 */

/** Layers of the ziggurat; a draw's low 7 bits pick one. */
const LAYERS = 128;
/** Where the tail begins for 128 layers (Marsaglia and Tsang). */
export const ZIGGURAT_R = 3.442619855899;
/** Area of each layer under exp(−x²/2) for 128 layers. */
const LAYER_AREA = 9.91256303526217e-3;
/** A draw's top 24 bits are the magnitude: u = (a >>> 8) + ½ in units of 2⁻²⁴. */
const MAGNITUDE_UNIT = 2 ** -24;

/** log m for m in [1/√2, √2]: the atanh series in s = (m − 1)/(m + 1), |s| < 0.18, to full double precision. */
function seriesLog(m: number): number {
  const s = (m - 1) / (m + 1);
  const z = s * s;
  let acc = 0;
  for (let k = 14; k >= 0; k--) acc = 1 / (2 * k + 1) + z * acc;
  return 2 * s * acc;
}

/** log v for v > 0: scaled by powers of two (exact) into [1/√2, √2], then the series. */
export function portableLog(v: number): number {
  let m = v;
  let e = 0;
  while (m < Math.SQRT1_2) {
    m *= 2;
    e--;
  }
  while (m > Math.SQRT2) {
    m /= 2;
    e++;
  }
  return e * Math.LN2 + seriesLog(m);
}

/** ln 2 split so k·LN2_HIGH is exact for |k| < 2²⁰ (fdlibm's constants). */
const LN2_HIGH = 0.6931471803691238;
const LN2_LOW = 1.9082149292705877e-10;

/** 1/n! for n = 0…13: the Taylor coefficients of e^r. */
const INVERSE_FACTORIAL = Float64Array.from({ length: 14 }, (_, n) => {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return 1 / f;
});

/** 2^−k for k = 0…1074, by halving (exact), so scaling by 2^k costs a table read. */
const NEGATIVE_POWER_OF_TWO = new Float64Array(1075);
NEGATIVE_POWER_OF_TWO[0] = 1;
for (let k = 1; k < NEGATIVE_POWER_OF_TWO.length; k++) NEGATIVE_POWER_OF_TWO[k] = NEGATIVE_POWER_OF_TWO[k - 1]! / 2;

/**
 * e^z for z ≤ 0 (the ziggurat needs no more): z = k·ln 2 + r with
 * |r| ≤ ln 2 / 2, the Taylor series in r to r¹³ (truncation below 1e-17),
 * times 2^k. Below about −745 it is 0, as Math.exp.
 */
export function portableExp(z: number): number {
  const k = Math.round(z / Math.LN2);
  if (-k >= NEGATIVE_POWER_OF_TWO.length) return 0;
  const r = z - k * LN2_HIGH - k * LN2_LOW;
  let acc = INVERSE_FACTORIAL[13]!;
  for (let n = 12; n >= 0; n--) acc = INVERSE_FACTORIAL[n]! + r * acc;
  return acc * NEGATIVE_POWER_OF_TWO[-k]!;
}

/**
 * x[j]: the right edge of layer j (the outer edge of its wedge), x[0] = v / f(r) the width the base layer
 * would have as a rectangle, x[128] = 0, with f(x) = exp(−x²/2).
 */
export const ZIGGURAT_EDGE = new Float64Array(LAYERS + 1);
const edge = ZIGGURAT_EDGE;
{
  let f = portableExp(-0.5 * ZIGGURAT_R * ZIGGURAT_R);
  edge[0] = LAYER_AREA / f;
  edge[1] = ZIGGURAT_R;
  for (let j = 2; j < LAYERS; j++) {
    edge[j] = Math.sqrt(-2 * portableLog(LAYER_AREA / edge[j - 1]! + f));
    f = portableExp(-0.5 * edge[j]! * edge[j]!);
  }
}

/**
 * Indexed by a draw's low 8 bits (layer, then sign): ±x[j]·2⁻²⁴, so
 * u · ZIGGURAT_STEP[a & 255] is the signed sample without a branch.
 */
export const ZIGGURAT_STEP = Float64Array.from({ length: 2 * LAYERS }, (_, k) => {
  const width = edge[k % LAYERS]! * MAGNITUDE_UNIT;
  return k < LAYERS ? width : -width;
});

/** x[j+1]/x[j] · 2²⁴: a magnitude u below it lies inside the next layer's edge, so it is accepted at once. */
export const ZIGGURAT_INNER = Float64Array.from({ length: LAYERS }, (_, j) => edge[j + 1]! / edge[j]! / MAGNITUDE_UNIT);

/** f(x[j]), the bottom of layer j (j ≥ 1), and f(x[128]) = 1: heights between which a wedge point is drawn. */
export const ZIGGURAT_HEIGHT = Float64Array.from({ length: LAYERS + 1 }, (_, j) =>
  j === 0 ? 0 : portableExp(-0.5 * edge[j]! * edge[j]!),
);

/** 1/(x[j] − x[j+1]): (x[j] − x)·ZIGGURAT_CHORD[j] is where layer j's chord crosses x, as a fraction of its height. */
export const ZIGGURAT_CHORD = Float64Array.from({ length: LAYERS }, (_, j) => 1 / (edge[j]! - edge[j + 1]!));

/**
 * The wedge of layer j lies between its chord c and the curve f; in
 * fractions of the layer's height the curve at x lies within
 * [c + ZIGGURAT_SQUEEZE_BELOW[j], c + ZIGGURAT_SQUEEZE_ABOVE[j]]: below the
 * chord by at most the gap at the tangent parallel to it where f is convex
 * (x ≥ 1), above it where f is concave (x ≤ 1), anywhere in the one layer
 * that holds x = 1. A wedge point outside that band is decided without exp;
 * the 1e-9 margin is far above the rounding of the bounds.
 */
export const ZIGGURAT_SQUEEZE_BELOW = new Float64Array(LAYERS);
export const ZIGGURAT_SQUEEZE_ABOVE = new Float64Array(LAYERS);
for (let j = 1; j < LAYERS; j++) {
  const outer = edge[j]!;
  const inner = edge[j + 1]!;
  if (inner < 1 && outer > 1) {
    ZIGGURAT_SQUEEZE_BELOW[j] = -1;
    ZIGGURAT_SQUEEZE_ABOVE[j] = 2;
    continue;
  }
  const low = ZIGGURAT_HEIGHT[j]!;
  const span = ZIGGURAT_HEIGHT[j + 1]! - low;
  const slope = -span / (outer - inner);
  // f'(x) = −x·f(x) is monotone on the layer, so bisection finds where it equals the chord's slope.
  let a = inner;
  let b = outer;
  const excess = (x: number) => -x * portableExp(-0.5 * x * x) - slope;
  const atInner = excess(inner) > 0;
  for (let k = 0; k < 100; k++) {
    const mid = 0.5 * (a + b);
    if (excess(mid) > 0 === atInner) a = mid;
    else b = mid;
  }
  const x = 0.5 * (a + b);
  const gap = Math.abs((outer - x) * ZIGGURAT_CHORD[j]! - (portableExp(-0.5 * x * x) - low) / span);
  const convex = inner >= 1;
  ZIGGURAT_SQUEEZE_BELOW[j] = (convex ? -gap : 0) - 1e-9;
  ZIGGURAT_SQUEEZE_ABOVE[j] = (convex ? 0 : gap) + 1e-9;
}
