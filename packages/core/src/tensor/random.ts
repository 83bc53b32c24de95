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

  /** A standard normal sample (Box–Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
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
