/**
 * The bulk random fills against a naive reference written from the
 * definitions (xoshiro128** step by step, Box–Muller with Math.log/cos/sin),
 * and their distributions against the exact CDFs.
 */
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random, randn, setBackend, setSeed, uniform } from '@gradstream/core';

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
  /** Box–Muller pair from u = (a + ½)/2³², θ = 2π·b/2³². */
  normalPair(): [number, number] {
    const u = (this.uint32() + 0.5) / 2 ** 32;
    const theta = (2 * Math.PI * this.uint32()) / 2 ** 32;
    const r = Math.sqrt(-2 * Math.log(u));
    return [r * Math.cos(theta), r * Math.sin(theta)];
  }
}

function naiveNormals(seed: number, n: number): Float64Array {
  const g = new NaiveXoshiro(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const [a, b] = g.normalPair();
    out[i] = a;
    if (i + 1 < n) out[i + 1] = b;
  }
  return out;
}

/** Standard normal CDF; erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, far below the KS bound). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return 0.5 * (1 + (x < 0 ? -erf : erf));
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

  it('fillNormal matches Box–Muller with exact transcendentals to 1e-9', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 2000 }), (seed, n) => {
        const got = new Float64Array(n);
        new Random(seed).fillNormal(got);
        const ref = naiveNormals(seed, n);
        for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThan(1e-9);
      }),
      { numRuns: 40 },
    );
  });

  it('fillNormal scales by std and shifts by mean', () => {
    const got = new Float64Array(501);
    new Random(11).fillNormal(got, 3, 0.5);
    const ref = naiveNormals(11, 501);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - (3 + 0.5 * ref[i]!))).toBeLessThan(1e-9);
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

  it('normal samples have mean 0, variance 1 and the normal CDF (KS test)', () => {
    const n = 200_000;
    const xs = new Float32Array(n);
    new Random(2024).fillNormal(xs);
    const { mean, variance } = moments(xs);
    // Standard errors: 1/√n for the mean, √(2/n) for the variance; 5 of them is a 1-in-a-million miss.
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    // KS critical value at α = 0.001 is 1.95/√n.
    expect(ksStatistic(xs, normalCdf)).toBeLessThan(1.95 / Math.sqrt(n));
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
    for (let i = 0; i < 21; i++) expect(Math.abs(f64[i]! - (1 + 2 * ref[i]!))).toBeLessThan(1e-8);
  });
});
