import {
  ANGLE_UNIT,
  COS_CENTRE,
  LN2,
  LOG_BITS,
  LOG_CENTRE,
  LOG_INVERSE,
  MANTISSA_SCALE,
  SIN_CENTRE,
  TRIG_BITS,
} from './normal-tables.js';

/**
 * A seeded xoshiro128** generator. One global instance feeds every random
 * creation op in core, so a seed gives the same numbers on every backend.
 */
export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | undefined;
  /** Where normal() lets fillPairs write the first value of a pair. */
  private readonly scratch = new Float64Array(1);

  constructor(seed: number) {
    this.seed(seed);
  }

  /** Restarts the sequence from `seed` (any integer; state expanded with splitmix32). */
  seed(seed: number): void {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() || 1;
    this.spareNormal = undefined;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * A standard normal sample. Box–Muller on two 32-bit draws gives a pair;
   * the second value is kept for the next call, so calls and `fillNormal`
   * walk the same sequence.
   */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    this.fillPairs(this.scratch, 0, 0, 1);
    return this.scratch[0]!;
  }

  /**
   * Fills `out` with U(low, high) samples: exactly the values of
   * `low + (high − low) * next()` called once per element, in one pass
   * without a call per value.
   *
   * @example
   * ```ts
   * const values = new Float32Array(1 << 20);
   * new Random(7).fillUniform(values, -1, 1);
   * ```
   */
  fillUniform(out: Float32Array | Float64Array, low = 0, high = 1): void {
    const span = high - low;
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      // Two xoshiro128** steps, as next() takes them: 27 high bits, then 26 low bits.
      let m = Math.imul(s1, 5);
      const hi = (Math.imul((m << 7) | (m >>> 25), 9) >>> 0) >>> 5;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      m = Math.imul(s1, 5);
      const lo = (Math.imul((m << 7) | (m >>> 25), 9) >>> 0) >>> 6;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = low + span * ((hi * 67108864 + lo) / 9007199254740992);
    }
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
  }

  /**
   * Fills `out` with N(mean, std²) samples: exactly the values of
   * `mean + std * normal()` called once per element.
   *
   * @example
   * ```ts
   * const values = new Float32Array(1 << 20);
   * new Random(7).fillNormal(values, 0, 0.02);
   * ```
   */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): void {
    let from = 0;
    if (this.spareNormal !== undefined && out.length > 0) {
      out[0] = mean + std * this.spareNormal;
      this.spareNormal = undefined;
      from = 1;
    }
    this.fillPairs(out, from, mean, std);
  }

  /**
   * Box–Muller from out[from] on. u = (a + ½)/2³² lies in (0, 1), so no draw
   * is rejected; log u and the angle come from tables plus short series
   * (normal-tables.ts), accurate to about 1e-12. An odd count leaves the
   * last pair's second value as the spare.
   */
  private fillPairs(out: Float32Array | Float64Array, from: number, mean: number, std: number): void {
    const n = out.length;
    const logMask = (1 << LOG_BITS) - 1;
    const trigShift = 32 - TRIG_BITS;
    const trigMask = (1 << trigShift) - 1;
    const trigHalf = 1 << (trigShift - 1);
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = from; i < n; i += 2) {
      let m = Math.imul(s1, 5);
      const a = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      m = Math.imul(s1, 5);
      const b = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      // u = 2^(−1−lz) · mant with mant in [1, 2); the bucket is the 7 bits after the leading one.
      const lz = Math.clz32(a);
      const mant = (a + 0.5) * MANTISSA_SCALE[32 - lz]!;
      const j = ((a << lz) >>> (31 - LOG_BITS)) & logMask;
      const d = mant * LOG_INVERSE[j]! - 1;
      const logU = (-1 - lz) * LN2 + LOG_CENTRE[j]! + d * (1 - d * (0.5 - d * (1 / 3 - d * 0.25)));
      const r = Math.sqrt(-2 * logU);
      // angle = 2π·b/2³² = sector centre + δ, |δ| ≤ π/256.
      const k = b >>> trigShift;
      const delta = ((b & trigMask) - trigHalf) * ANGLE_UNIT;
      const d2 = delta * delta;
      const sinD = delta * (1 - d2 * (1 / 6 - d2 * (1 / 120)));
      const cosD = 1 - d2 * (0.5 - d2 * (1 / 24 - d2 * (1 / 720)));
      const c = COS_CENTRE[k]!;
      const s = SIN_CENTRE[k]!;
      out[i] = mean + std * (r * (c * cosD - s * sinD));
      const second = r * (s * cosD + c * sinD);
      if (i + 1 < n) out[i + 1] = mean + std * second;
      else this.spareNormal = second;
    }
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Makes this generator continue exactly where `other` stands. */
  copyFrom(other: Random): void {
    this.s0 = other.s0;
    this.s1 = other.s1;
    this.s2 = other.s2;
    this.s3 = other.s3;
    this.spareNormal = other.spareNormal;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The generator behind rand, randn, uniform, dropout and initializers. */
export const globalRandom = new Random(0);

/**
 * Runs `fn` with `rng` standing in for the global generator, then leaves
 * `rng` advanced by what `fn` drew and the global generator as it was. Two
 * training runs interleaved on one event loop each draw their own dropout
 * masks this way, whatever the interleaving.
 */
export function withGenerator<T>(rng: Random, fn: () => T): T {
  const saved = new Random(0);
  saved.copyFrom(globalRandom);
  globalRandom.copyFrom(rng);
  try {
    return fn();
  } finally {
    rng.copyFrom(globalRandom);
    globalRandom.copyFrom(saved);
  }
}

/**
 * Seeds the global generator: the same seed gives the same weights, dropout
 * masks and shuffles on every backend.
 *
 * @example
 * ```ts
 * setSeed(42);
 * const w = randn([3, 3]);
 * ```
 */
export function setSeed(seed: number): void {
  globalRandom.seed(seed);
}
