import { Random } from '@gradstream/core';

/**
 * The generator of one epoch: shuffles and augmentations draw from core's
 * `Random`, in an instance of their own seeded with (seed, epoch), so they
 * never advance the global generator that weight initialisation and dropout
 * use, and each epoch differs reproducibly.
 */
export function epochRandom(seed: number, epoch: number): Random {
  // Random.seed expands a 32-bit seed with splitmix32; the golden-ratio multiply spreads the epochs of one seed apart.
  return new Random((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
}

/** A uniform float in [lo, hi). */
export function uniformIn(rng: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/** A random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(rng: Random, n: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
