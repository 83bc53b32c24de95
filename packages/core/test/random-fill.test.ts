/**
 * The bulk random fills against a naive reference written from the
 * definitions (xoshiro128** step by step; the 128-layer ziggurat of Marsaglia
 * and Tsang in Doornik's formulation, its tables built with Math.exp and
 * Math.log), and their distributions against the normal CDF (an erfc written
 * here from its series and continued fraction): moments, Kolmogorov–Smirnov,
 * chi-square over fine bins, and the tail beyond the ziggurat's base.
 */
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random, randn, setBackend, setSeed, uniform } from '@gradstream/core';
import {
  ZIGGURAT_EDGE,
  ZIGGURAT_SQUEEZE_ABOVE,
  ZIGGURAT_SQUEEZE_BELOW,
  portableExp,
  portableLog,
} from '../src/tensor/normal-tables.js';

/** xoshiro128** seeded by splitmix32, written out as in the reference C code. */
class NaiveXoshiro {
  private readonly s = new Uint32Array(4);
  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s[3] === 0) this.s[3] = 1;
  }
  uint32(): number {
    const s = this.s;
    const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) >>> 0;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] = s[2]! ^ s[0]!;
    s[3] = s[3]! ^ s[1]!;
    s[1] = s[1]! ^ s[2]!;
    s[0] = s[0]! ^ s[3]!;
    s[2] = s[2]! ^ t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }
  /** 53-bit double in [0, 1). */
  double(): number {
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 2 ** 26 + lo) / 2 ** 53;
  }
}

/** The 128-layer ziggurat tables, from Doornik's zigNorInit with Math.exp and Math.log. */
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const zigX = new Float64Array(129);
{
  let f = Math.exp(-0.5 * ZIG_R * ZIG_R);
  zigX[0] = ZIG_V / f;
  zigX[1] = ZIG_R;
  for (let i = 2; i < 128; i++) {
    zigX[i] = Math.sqrt(-2 * Math.log(ZIG_V / zigX[i - 1]! + f));
    f = Math.exp(-0.5 * zigX[i]! ** 2);
  }
}

/**
 * One standard normal: draw a; layer = a & 127, sign = bit 7, u = ((a >>> 8) + ½)/2²⁴.
 * Inside x[layer+1]/x[layer] it is accepted; the base layer samples the tail
 * (Marsaglia 1964), other layers test the wedge point against exp(−x²/2).
 */
function naiveNormal(g: NaiveXoshiro): number {
  const unit = () => (g.uint32() + 0.5) / 2 ** 32;
  for (;;) {
    const a = g.uint32();
    const layer = a % 128;
    const sign = Math.floor(a / 128) % 2 === 1 ? -1 : 1;
    const u = (Math.floor(a / 256) + 0.5) / 2 ** 24;
    const x = u * zigX[layer]!;
    if (u < zigX[layer + 1]! / zigX[layer]!) return sign * x;
    if (layer === 0) {
      for (;;) {
        const t = -Math.log(unit()) / ZIG_R;
        const y = -Math.log(unit());
        if (2 * y >= t * t) return sign * (ZIG_R + t);
      }
    }
    const below = Math.exp(-0.5 * zigX[layer]! ** 2);
    const above = Math.exp(-0.5 * zigX[layer + 1]! ** 2);
    if (below + unit() * (above - below) < Math.exp(-0.5 * x * x)) return sign * x;
  }
}

function naiveNormals(seed: number, n: number): Float64Array {
  const g = new NaiveXoshiro(seed);
  return Float64Array.from({ length: n }, () => naiveNormal(g));
}

/**
 * erfc(z), to about 1e-14 relative: 1 − the Maclaurin series of erf below 2,
 * the continued fraction √π·e^{z²}·erfc z = 1/(z + ½/(z + 1/(z + (3/2)/(z + …))))
 * from 2 on, so tail probabilities keep their digits.
 */
function erfc(z: number): number {
  if (z < 0) return 2 - erfc(-z);
  if (z < 2) {
    let term = z;
    let sum = z;
    for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let fraction = z;
  for (let k = 80; k >= 1; k--) fraction = z + k / 2 / fraction;
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / fraction;
}

/** Standard normal CDF Φ(x) = erfc(−x/√2)/2. */
function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** P(X > x) for X standard normal, without the cancellation of 1 − Φ(x). */
function normalTail(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

/** The chi-square quantile for `df` degrees of freedom at upper z-score `z` (Wilson–Hilferty). */
function chiSquareQuantile(df: number, z: number): number {
  const c = 2 / (9 * df);
  return df * (1 - c + z * Math.sqrt(c)) ** 3;
}

/** Kolmogorov–Smirnov statistic of `xs` against `cdf`. */
function ksStatistic(xs: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(xs).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]!);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

function moments(xs: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i]!;
    s2 += xs[i]! ** 2;
  }
  const mean = s / xs.length;
  return { mean, variance: s2 / xs.length - mean * mean };
}

describe('Random bulk fills', () => {
  it('fillUniform gives exactly low + (high − low)·u of the reference 53-bit draws', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 0, max: 300 }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (seed, n, low, width) => {
          const high = low + width;
          const got = new Float64Array(n);
          new Random(seed).fillUniform(got, low, high);
          const ref = new NaiveXoshiro(seed);
          for (let i = 0; i < n; i++) expect(got[i]).toBe(low + (high - low) * ref.double());
        },
      ),
      { numRuns: 60 },
    );
  });

  it('fillNormal matches the naive ziggurat to 1e-12', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 3000 }), (seed, n) => {
        const got = new Float64Array(n);
        new Random(seed).fillNormal(got);
        const ref = naiveNormals(seed, n);
        for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThan(1e-12);
      }),
      { numRuns: 40 },
    );
  });

  it('fillNormal scales by std and shifts by mean', () => {
    const got = new Float64Array(5001);
    new Random(11).fillNormal(got, 3, 0.5);
    const ref = naiveNormals(11, 5001);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - (3 + 0.5 * ref[i]!))).toBeLessThan(1e-12);
  });

  it('a float32 fill holds the float64 fill rounded', () => {
    const wide = new Float64Array(100_001);
    new Random(8).fillNormal(wide, -1, 3);
    const narrow = new Float32Array(100_001);
    new Random(8).fillNormal(narrow, -1, 3);
    expect(narrow).toEqual(Float32Array.from(wide));
  });

  it('portableExp and portableLog agree with Math.exp and Math.log to 4e-16', () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 0, noNaN: true }), (z) => {
        expect(Math.abs(portableExp(z) / Math.exp(z) - 1)).toBeLessThan(4e-16 * Math.max(1, Math.abs(z)));
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), (v) => {
        expect(Math.abs(portableLog(v) - Math.log(v))).toBeLessThan(4e-16 * Math.max(1, Math.abs(Math.log(v))));
      }),
    );
  });

  it('walks one sequence whether drawn by calls, in one fill or in odd-sized pieces', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 8 }), (seed, sizes) => {
        const total = sizes.reduce((a, b) => a + b, 0);
        const pieces = new Random(seed);
        const joined: number[] = [];
        for (const size of sizes) {
          const part = new Float64Array(size);
          pieces.fillNormal(part);
          joined.push(...part);
        }
        const calls = new Random(seed);
        const byCall = Array.from({ length: total }, () => calls.normal());
        const whole = new Float64Array(total);
        new Random(seed).fillNormal(whole);
        expect(joined).toEqual(byCall);
        expect([...whole]).toEqual(byCall);
        // The generators end in the same state too.
        expect(pieces.nextUint32()).toBe(calls.nextUint32());
      }),
      { numRuns: 80 },
    );
  });

  it('the squeeze band of each wedge holds the curve exp(−x²/2) (checked with Math.exp)', () => {
    for (let j = 1; j < 128; j++) {
      const outer = ZIGGURAT_EDGE[j]!;
      const inner = ZIGGURAT_EDGE[j + 1]!;
      expect(inner).toBeCloseTo(zigX[j + 1]!, 12);
      const low = Math.exp(-0.5 * outer * outer);
      const high = Math.exp(-0.5 * inner * inner);
      let least = Infinity;
      let most = -Infinity;
      for (let k = 0; k <= 1000; k++) {
        const x = inner + ((outer - inner) * k) / 1000;
        const above = (Math.exp(-0.5 * x * x) - low) / (high - low) - (outer - x) / (outer - inner);
        least = Math.min(least, above);
        most = Math.max(most, above);
      }
      expect(least, `layer ${j}`).toBeGreaterThanOrEqual(ZIGGURAT_SQUEEZE_BELOW[j]!);
      expect(most, `layer ${j}`).toBeLessThanOrEqual(ZIGGURAT_SQUEEZE_ABOVE[j]!);
      // Outside the one layer that holds the inflection at x = 1 the band is thin, so exp is rarely needed.
      if (inner >= 1 || outer <= 1) expect(ZIGGURAT_SQUEEZE_ABOVE[j]! - ZIGGURAT_SQUEEZE_BELOW[j]!).toBeLessThan(0.25);
    }
  });

  it('normal samples have the moments of N(0, 1) and its CDF (KS test)', () => {
    const n = 1 << 22;
    const xs = new Float32Array(n);
    new Random(2024).fillNormal(xs);
    const { mean, variance } = moments(xs);
    let fourth = 0;
    for (let i = 0; i < n; i++) fourth += xs[i]! ** 4;
    // Standard errors: 1/√n for the mean, √(2/n) for the variance, √(96/n) for E x⁴ = 3; 5 of them is a 1-in-a-million miss.
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(fourth / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    // KS critical value at α = 0.001 is 1.95/√n.
    expect(ksStatistic(xs.subarray(0, 1 << 20), normalCdf)).toBeLessThan(1.95 / Math.sqrt(1 << 20));
  });

  it('normal samples fill bins of width 0.05 as the normal CDF says (chi-square)', () => {
    const n = 1 << 22;
    const xs = new Float64Array(n);
    new Random(77).fillNormal(xs);
    // Bins of width 0.05 over [−4.5, 4.5] (finer than most ziggurat layers), and one for each tail.
    const width = 0.05;
    const inner = 180;
    const counts = new Float64Array(inner + 2);
    for (const x of xs) {
      const bin = Math.floor((x + 4.5) / width);
      counts[bin < 0 ? 0 : bin >= inner ? inner + 1 : bin + 1]!++;
    }
    let chi2 = 0;
    for (let k = 0; k < counts.length; k++) {
      const lo = k === 0 ? -Infinity : -4.5 + (k - 1) * width;
      const hi = k === inner + 1 ? Infinity : -4.5 + k * width;
      const p = lo === -Infinity ? normalTail(-hi) : hi === Infinity ? normalTail(lo) : normalCdf(hi) - normalCdf(lo);
      chi2 += (counts[k]! - n * p) ** 2 / (n * p);
    }
    // Upper 1e-4 point (z = 3.72) of chi-square with counts.length − 1 degrees of freedom.
    expect(chi2).toBeLessThan(chiSquareQuantile(counts.length - 1, 3.72));
  });

  it('draws the tails: beyond the ziggurat base, past 4 and past 5, and the tail shaped as the normal', () => {
    const n = 1 << 24;
    const xs = new Float32Array(n);
    new Random(5).fillNormal(xs);
    const tail: number[] = [];
    let past4 = 0;
    let past5 = 0;
    let negative = 0;
    for (const x of xs) {
      const size = Math.abs(x);
      if (size > 3.442619855899) tail.push(size);
      if (size > 4) past4++;
      if (size > 5) past5++;
      if (x < 0) negative++;
    }
    const within = (count: number, p: number) =>
      expect(Math.abs(count - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)) + 1);
    within(tail.length, 2 * normalTail(3.442619855899));
    within(past4, 2 * normalTail(4));
    within(past5, 2 * normalTail(5));
    expect(past5).toBeGreaterThan(0);
    within(negative, 0.5);
    // Beyond r the samples follow the normal conditioned on |x| > r.
    const r = 3.442619855899;
    const beyond = normalTail(r);
    const conditional = (x: number) => 1 - normalTail(x) / beyond;
    expect(ksStatistic(tail, conditional)).toBeLessThan(1.95 / Math.sqrt(tail.length));
  });

  it('uniform samples have the moments and CDF of U(low, high)', () => {
    const n = 200_000;
    const xs = new Float32Array(n);
    new Random(99).fillUniform(xs, -2, 6);
    const { mean, variance } = moments(xs);
    const sd = 8 / Math.sqrt(12);
    expect(Math.abs(mean - 2)).toBeLessThan((5 * sd) / Math.sqrt(n));
    expect(Math.abs(variance - sd * sd)).toBeLessThan(5 * sd * sd * Math.sqrt(0.8 / n));
    expect(ksStatistic(xs, (x) => Math.min(1, Math.max(0, (x + 2) / 8)))).toBeLessThan(1.95 / Math.sqrt(n));
  });
});

describe('randn and uniform tensors', () => {
  it('hold the generator values rounded to the dtype', async () => {
    await setBackend('cpu');
    setSeed(5);
    const f32 = randn([7, 3], 1, 2).dataSync();
    const u32 = uniform([5], -1, 1).dataSync();
    setSeed(5);
    const f64 = randn([21], 1, 2, 'float64').dataSync();
    const u64 = uniform([5], -1, 1, 'float64').dataSync();
    expect([...f32]).toEqual([...Float32Array.from(f64)]);
    expect([...u32]).toEqual([...Float32Array.from(u64)]);
    const ref = naiveNormals(5, 21);
    for (let i = 0; i < 21; i++) expect(Math.abs(f64[i]! - (1 + 2 * ref[i]!))).toBeLessThan(1e-12);
  });
});
