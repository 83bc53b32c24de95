import { describe, it } from 'vitest';
import fc from 'fast-check';
import { CONFIGS, RUNS, check, floatData, usePair } from './helpers.js';

/** Dimensions that cross the micro-tile (4×8) and cache-block (64, 256) edges. */
const dim = fc.oneof(
  fc.integer({ min: 1, max: 12 }),
  fc.integer({ min: 60, max: 70 }),
  fc.integer({ min: 250, max: 262 }),
);

describe.each(CONFIGS)('matmul (threads $threads, relaxed $relaxedSimd)', (config) => {
  const pair = usePair(config);

  it('batched, transposed and broadcast operands', () => {
    const problem = fc
      .record({
        m: dim,
        n: dim,
        k: dim,
        batchA: fc.integer({ min: 1, max: 3 }),
        broadcast: fc.constantFrom('none', 'a', 'b'),
        ta: fc.boolean(),
        tb: fc.boolean(),
      })
      .filter((p) => p.m * p.n * p.k <= 300_000);
    fc.assert(
      fc.property(problem, fc.gen(), (p, gen) => {
        const ba = p.broadcast === 'a' ? 1 : p.batchA,
          bb = p.broadcast === 'b' ? 1 : p.batchA;
        const a = gen(() => floatData(p.ta ? [ba, p.k, p.m] : [ba, p.m, p.k], -1, 1));
        const b = gen(() => floatData(p.tb ? [bb, p.n, p.k] : [bb, p.k, p.n], -1, 1));
        check(pair, [a, b], (be, [x, y]) => be.matmul(x!, y!, p.ta, p.tb), 1e-4, 1e-4 * Math.sqrt(p.k));
      }),
      { numRuns: RUNS },
    );
  });

  // gemm reads B in place when M is short, A in place when N is narrow, and
  // packs both otherwise; each path with ragged edges and every transpose.
  it.each([
    { path: 'B in place', m: 37, n: 301, k: 299 },
    { path: 'A in place', m: 301, n: 37, k: 299 },
    { path: 'both packed', m: 261, n: 263, k: 70 },
    { path: 'B too far apart to read in place', m: 13, n: 1100, k: 260 },
  ])('$path: $m×$k · $k×$n', ({ m, n, k }) => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.gen(), (ta, tb, gen) => {
        const a = gen(() => floatData(ta ? [1, k, m] : [1, m, k], -1, 1));
        const b = gen(() => floatData(tb ? [1, n, k] : [1, k, n], -1, 1));
        check(pair, [a, b], (be, [x, y]) => be.matmul(x!, y!, ta, tb), 1e-4, 1e-4 * Math.sqrt(k));
      }),
      { numRuns: 4 },
    );
  });

  it('an empty inner dimension gives zeros', () => {
    const a = { values: new Float32Array(0), shape: [1, 3, 0], dtype: 'float32' as const };
    const b = { values: new Float32Array(0), shape: [1, 0, 5], dtype: 'float32' as const };
    check(pair, [a, b], (be, [x, y]) => be.matmul(x!, y!, false, false), 0, 0);
  });
});
