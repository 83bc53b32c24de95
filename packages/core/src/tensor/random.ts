import {
  ZIGGURAT_CHORD,
  ZIGGURAT_EDGE,
  ZIGGURAT_HEIGHT,
  ZIGGURAT_INNER,
  ZIGGURAT_R,
  ZIGGURAT_SQUEEZE_ABOVE,
  ZIGGURAT_SQUEEZE_BELOW,
  ZIGGURAT_STEP,
  portableExp,
  portableLog,
} from './normal-tables.js';

// Module-local names for the tables of the hot loop: read through the
// imported bindings, the loop ran about 1.35x slower in V8.
const INNER = ZIGGURAT_INNER;
const STEP = ZIGGURAT_STEP;

/**
 * A seeded xoshiro128** generator. One global instance feeds every random
 * creation op in core, so a seed gives the same numbers on every backend.
 */
export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** The draw fillAccepted stopped at, for rejected() to continue from. */
  private held = 0;

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
   * A standard normal sample by the ziggurat (normal-tables.ts). One 32-bit
   * draw a gives the layer (bits 0–6), the sign (bit 7) and the magnitude
   * u = (a >>> 8) + ½ in units of 2⁻²⁴; about 97% of draws are accepted at
   * once, the rest go on to rejected(). `fillNormal` walks the same sequence.
   */
  normal(): number {
    const a = this.nextUint32();
    const u = (a >>> 8) + 0.5;
    return u < ZIGGURAT_INNER[a & 127]! ? u * ZIGGURAT_STEP[a & 255]! : this.rejected(a);
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
    for (let i = this.fillAccepted(out, 0, mean, std); i < out.length; i = this.fillAccepted(out, i + 1, mean, std))
      out[i] = mean + std * this.rejected(this.held);
  }

  /**
   * normal()'s fast path from out[from] on, until a draw falls outside its
   * layer's inner rectangle: that draw is left in `held` and its index
   * returned (out.length when none did). The rare path stays out of this
   * loop: with its call inside, the JIT inlined it into the loop, which then
   * ran about 1.6× slower.
   */
  private fillAccepted(out: Float32Array | Float64Array, from: number, mean: number, std: number): number {
    const n = out.length;
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    let i = from;
    for (; i < n; i++) {
      // One xoshiro128** step, as nextUint32() takes it.
      const m = Math.imul(s1, 5);
      const a = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const u = (a >>> 8) + 0.5;
      if (u >= INNER[a & 127]!) {
        this.held = a;
        break;
      }
      out[i] = mean + std * (u * STEP[a & 255]!);
    }
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    return i;
  }

  /**
   * The ziggurat past its fast path, for a draw `first` outside its layer's
   * inner rectangle: the base layer samples the tail beyond r, other layers
   * accept a point of the wedge under exp(−x²/2); a rejected point draws
   * afresh (Doornik 2005, "An improved ziggurat method").
   */
  private rejected(first: number): number {
    let a = first;
    for (;;) {
      const layer = a & 127;
      const u = (a >>> 8) + 0.5;
      if (u < ZIGGURAT_INNER[layer]!) return u * ZIGGURAT_STEP[a & 255]!;
      const negative = (a & 128) !== 0;
      if (layer === 0) return negative ? -this.tail() : this.tail();
      // The wedge point (x, v), v its height as a fraction of the layer's; accepted below the curve.
      const x = u * ZIGGURAT_STEP[layer]!;
      const v = this.unit();
      const chord = (ZIGGURAT_EDGE[layer]! - x) * ZIGGURAT_CHORD[layer]!;
      if (v < chord + ZIGGURAT_SQUEEZE_BELOW[layer]!) return negative ? -x : x;
      if (v <= chord + ZIGGURAT_SQUEEZE_ABOVE[layer]!) {
        const low = ZIGGURAT_HEIGHT[layer]!;
        if (low + v * (ZIGGURAT_HEIGHT[layer + 1]! - low) < portableExp(-0.5 * x * x)) return negative ? -x : x;
      }
      a = this.nextUint32();
    }
  }

  /** A sample of the normal beyond r: Marsaglia's exponential rejection (1964). */
  private tail(): number {
    for (;;) {
      const x = -portableLog(this.unit()) / ZIGGURAT_R;
      const y = -portableLog(this.unit());
      if (y + y >= x * x) return ZIGGURAT_R + x;
    }
  }

  /** A uniform float in (0, 1) from one draw: (a + ½)/2³², never 0, so its log is finite. */
  private unit(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
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
