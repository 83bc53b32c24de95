import { describe, it } from 'vitest';
import fc from 'fast-check';
import { CONFIGS, RUNS, check, floatData, usePair } from './helpers.js';

/** Dimensions that cross the micro-tile (4×8) and cache-block (64, 256) edges. */
const dim = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 60, max: 70 }), fc.integer({ min: 250, max: 262 }));

describe.each(CONFIGS)('matmul (threads $threads, relaxed $relaxedSimd)', (config) => {
  const pair = usePair(config);

  it('batched, transposed and broadcast operands', () => {
    const problem = fc.record({
      m: dim, n: dim, k: dim,
      batchA: fc.integer({ min: 1, max: 3 }), broadcast: fc.constantFrom('none', 'a', 'b'),
      ta: fc.boolean(), tb: fc.boolean(),
    }).filter((p) => p.m * p.n * p.k <= 300_000);
    fc.assert(fc.property(problem, fc.gen(), (p, gen) => {
      const ba = p.broadcast === 'a' ? 1 : p.batchA, bb = p.broadcast === 'b' ? 1 : p.batchA;
      const a = gen(() => floatData(p.ta ? [ba, p.k, p.m] : [ba, p.m, p.k], -1, 1));
      const b = gen(() => floatData(p.tb ? [bb, p.n, p.k] : [bb, p.k, p.n], -1, 1));
      check(pair, [a, b], (be, [x, y]) => be.matmul(x!, y!, p.ta, p.tb), 1e-4, 1e-4 * Math.sqrt(p.k));
    }), { numRuns: RUNS });
  });

  it('an empty inner dimension gives zeros', () => {
    const a = { values: new Float32Array(0), shape: [1, 3, 0], dtype: 'float32' as const };
    const b = { values: new Float32Array(0), shape: [1, 0, 5], dtype: 'float32' as const };
    check(pair, [a, b], (be, [x, y]) => be.matmul(x!, y!, false, false), 0, 0);
  });
});
