// matmul: batched, transposeA/B, broadcast batch dims and rank-1 operands.
// Gradients against finite differences (float64), second derivatives, and
// forward values against a naive triple loop, and forward values and
// gradients against tfjs-core (cpu).
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the tfjs gradients (BatchMatMul's among them) in Node
import { beforeAll, describe, expect, it } from 'vitest';
import { tensor, tidy, matmul, broadcastShapes, grads, sum, mul } from '@gradstream/core';
import { gradcheck, gradgradcheck, tensorArb, broadcastableShapesArb, type TensorSpec } from '@gradstream/core/testing';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface MatmulCase {
  a: TensorSpec;
  b: TensorSpec;
  tA: boolean;
  tB: boolean;
  m: number;
  k: number;
  n: number;
  batchA: number[];
  batchB: number[];
}

function matmulCaseArb(maxDim = 3, maxBatchRank = 2): fc.Arbitrary<MatmulCase> {
  return fc
    .record({
      m: fc.integer({ min: 1, max: maxDim }),
      k: fc.integer({ min: 1, max: maxDim }),
      n: fc.integer({ min: 1, max: maxDim }),
      tA: fc.boolean(),
      tB: fc.boolean(),
      batches: broadcastableShapesArb({ maxRank: maxBatchRank, maxDim: 2 }),
      swap: fc.boolean(),
    })
    .chain(({ m, k, n, tA, tB, batches, swap }) => {
      const [batchA, batchB] = swap ? [batches[1], batches[0]] : batches;
      const aShape = [...batchA, ...(tA ? [k, m] : [m, k])];
      const bShape = [...batchB, ...(tB ? [n, k] : [k, n])];
      return fc
        .tuple(tensorArb(aShape), tensorArb(bShape))
        .map(([a, b]) => ({ a, b, tA, tB, m, k, n, batchA, batchB }));
    });
}

/** Naive batched matmul with NumPy batch broadcasting, in float64. */
function naiveMatmul(c: MatmulCase): { shape: number[]; values: number[] } {
  const batch = broadcastShapes('ref', c.batchA, c.batchB);
  const rank = batch.length;
  const pa = [...new Array(rank - c.batchA.length).fill(1), ...c.batchA];
  const pb = [...new Array(rank - c.batchB.length).fill(1), ...c.batchB];
  const nb = batch.reduce((x, y) => x * y, 1);
  const values: number[] = [];
  for (let bi = 0; bi < nb; bi++) {
    // multi-index of this batch element, mapped to each operand's own batch offset
    let rem = bi,
      offA = 0,
      offB = 0,
      multA = 1,
      multB = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rem % batch[d]!;
      rem = Math.floor(rem / batch[d]!);
      offA += (pa[d] === 1 ? 0 : idx) * multA;
      multA *= pa[d]!;
      offB += (pb[d] === 1 ? 0 : idx) * multB;
      multB *= pb[d]!;
    }
    const A = (i: number, p: number) => c.a.values[offA * c.m * c.k + (c.tA ? p * c.m + i : i * c.k + p)]!;
    const B = (p: number, j: number) => c.b.values[offB * c.k * c.n + (c.tB ? j * c.k + p : p * c.n + j)]!;
    for (let i = 0; i < c.m; i++)
      for (let j = 0; j < c.n; j++) {
        let s = 0;
        for (let p = 0; p < c.k; p++) s += A(i, p) * B(p, j);
        values.push(s);
      }
  }
  return { shape: [...batch, c.m, c.n], values };
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol * (1 + Math.abs(expected[i]!))))
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

describe('matmul', () => {
  it('gradcheck in float64: batched, transposeA/B, broadcast batch', () => {
    fc.assert(
      fc.property(matmulCaseArb(), (c) =>
        tidy(() => gradcheck((a, b) => matmul(a, b, { transposeA: c.tA, transposeB: c.tB }), [c.a.make(), c.b.make()])),
      ),
      { numRuns: 30 },
    );
  });

  it('gradcheck with rank-1 operands (vector·matrix, matrix·vector, dot)', () => {
    const arb = fc
      .record({
        m: fc.integer({ min: 1, max: 3 }),
        k: fc.integer({ min: 1, max: 4 }),
        batch: fc.integer({ min: 1, max: 2 }),
      })
      .chain(({ m, k, batch }) =>
        fc.tuple(tensorArb([batch, m, k]), tensorArb([k]), tensorArb([k, m]), tensorArb([k])),
      );
    fc.assert(
      fc.property(arb, ([A, v, B, u]) =>
        tidy(() => {
          gradcheck((a, x) => matmul(a, x), [A.make(), v.make()]);
          gradcheck((x, b) => matmul(x, b), [v.make(), B.make()]);
          gradcheck((x, y) => matmul(x, y), [v.make(), u.make()]);
          return true;
        }),
      ),
      { numRuns: 15 },
    );
  });

  it('gradgradcheck', () => {
    fc.assert(
      fc.property(matmulCaseArb(2, 1), (c) =>
        tidy(() =>
          gradgradcheck((a, b) => matmul(a, b, { transposeA: c.tA, transposeB: c.tB }), [c.a.make(), c.b.make()]),
        ),
      ),
      { numRuns: 12 },
    );
  });

  it('forward equals a naive triple loop (float64)', () => {
    fc.assert(
      fc.property(matmulCaseArb(6, 3), (c) =>
        tidy(() => {
          const y = matmul(c.a.make(), c.b.make(), { transposeA: c.tA, transposeB: c.tB });
          const want = naiveMatmul(c);
          expect(y.shape).toEqual(want.shape);
          expectAllClose(y.dataSync(), want.values, 1e-12);
        }),
      ),
      { numRuns: 50 },
    );
  });

  it('rank-1 shapes drop the unit dimension as NumPy does', () => {
    tidy(() => {
      const v = tensor([1, 2, 3]);
      const M = tensor([
        [1, 0],
        [0, 1],
        [1, 1],
      ]);
      expect(matmul(v, M).toArray()).toEqual([4, 5]);
      expect(matmul(M, tensor([1, 2]), {}).toArray()).toEqual([1, 2, 3]);
      expect(matmul(v, v).shape).toEqual([]);
      expect(matmul(v, v).item()).toBe(14);
    });
  });

  it('forward and gradients equal tfjs-core (float32)', () => {
    // tfjs broadcasts batch dims only between operands of equal rank, and its
    // BatchMatMul gradient does not sum over broadcast batch dims (tfjs-core
    // 4.22 throws on the shape), so gradients are compared when the batch
    // shapes are equal; broadcast gradients are gradchecked in float64 above.
    // r weights the output so the gradients of Σ y ⊙ r see every output element.
    const arb = matmulCaseArb(5, 1)
      .filter((c) => c.batchA.length === c.batchB.length)
      .chain((c) =>
        fc.tuple(fc.constant(c), tensorArb([...broadcastShapes('ref', c.batchA, c.batchB), c.m, c.n], 'float32')),
      );
    fc.assert(
      fc.property(arb, ([c, r]) =>
        tidy(() => {
          const a32 = Float32Array.from(c.a.values);
          const b32 = Float32Array.from(c.b.values);
          const r32 = Float32Array.from(r.values);
          const opts = { transposeA: c.tA, transposeB: c.tB };
          const a = tensor(a32, c.a.shape);
          const b = tensor(b32, c.b.shape);
          const y = matmul(a, b, opts);
          const ta = tf.tensor(a32, [...c.a.shape]);
          const tb = tf.tensor(b32, [...c.b.shape]);
          const ty = tf.matMul(ta, tb, c.tA, c.tB);
          expect(y.shape).toEqual(ty.shape);
          expectAllClose(y.dataSync(), ty.dataSync(), 1e-5);
          if (c.batchA.every((d, i) => d === c.batchB[i])) {
            const rg = tensor(r32, r.shape);
            const [da, db] = grads((p, q) => sum(mul(matmul(p, q, opts), rg)))(a, b);
            const tr = tf.tensor(r32, [...r.shape]);
            const [tda, tdb] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
              tf.sum(tf.mul(tf.matMul(p, q, c.tA, c.tB), tr)),
            )([ta, tb]);
            expect(da!.shape).toEqual(tda!.shape);
            expect(db!.shape).toEqual(tdb!.shape);
            expectAllClose(da!.dataSync(), tda!.dataSync(), 1e-5);
            expectAllClose(db!.dataSync(), tdb!.dataSync(), 1e-5);
            tf.dispose([tr, tda!, tdb!]);
          }
          tf.dispose([ta, tb, ty]);
        }),
      ),
      { numRuns: 30 },
    );
  });
});
