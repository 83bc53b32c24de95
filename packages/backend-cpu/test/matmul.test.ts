import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, expectClose, floatDType, put, randomValues, take } from './helpers.js';

/** The textbook triple loop on logical (untransposed) operands. */
function refMatmul(
  a: number[],
  b: number[],
  batch: number,
  m: number,
  k: number,
  n: number,
  batchA: number,
  batchB: number,
  tA: boolean,
  tB: boolean,
): number[] {
  const out: number[] = [];
  for (let s = 0; s < batch; s++) {
    const ao = batchA === 1 ? 0 : s * m * k;
    const bo = batchB === 1 ? 0 : s * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = tA ? a[ao + p * m + i]! : a[ao + i * k + p]!;
          const bv = tB ? b[bo + j * k + p]! : b[bo + p * n + j]!;
          sum += av * bv;
        }
        out.push(sum);
      }
    }
  }
  return out;
}

const dims = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  broadcast: fc.constantFrom('none', 'a', 'b'),
  m: fc.integer({ min: 1, max: 13 }),
  k: fc.integer({ min: 1, max: 13 }),
  n: fc.integer({ min: 1, max: 13 }),
  tA: fc.boolean(),
  tB: fc.boolean(),
});

function check(
  dtype: 'float32' | 'float64',
  d: { batch: number; broadcast: string; m: number; k: number; n: number; tA: boolean; tB: boolean },
  seed: number,
): void {
  const { batch, m, k, n, tA, tB } = d;
  const batchA = d.broadcast === 'a' ? 1 : batch;
  const batchB = d.broadcast === 'b' ? 1 : batch;
  const av = randomValues(batchA * m * k, seed);
  const bv = randomValues(batchB * k * n, seed + 1);
  const a = put(av, tA ? [batchA, k, m] : [batchA, m, k], dtype);
  const b = put(bv, tB ? [batchB, n, k] : [batchB, k, n], dtype);
  const y = backend.matmul(a, b, tA, tB);
  expect(y.shape).toEqual([batch, m, n]);
  expect(y.dtype).toBe(dtype);
  expectClose(take(y), refMatmul(av, bv, batch, m, k, n, batchA, batchB, tA, tB), dtype);
  take(a);
  take(b);
}

describe('matmul', () => {
  it('matches the triple loop on small shapes, transposes and batch broadcast', () => {
    fc.assert(
      fc.property(dims, floatDType, fc.nat(), (d, dtype, seed) => check(dtype, d, seed)),
      { numRuns: 50 },
    );
  });

  it('matches across block edges (K > 256, N > 2048, M > 96)', () => {
    check('float64', { batch: 1, broadcast: 'none', m: 101, k: 300, n: 7, tA: false, tB: true }, 1);
    check('float32', { batch: 2, broadcast: 'b', m: 5, k: 259, n: 2053, tA: true, tB: false }, 2);
  });
});
