// Reductions, softmax and friends: gradcheck/gradgradcheck in float64 on
// random shapes and axes; forward values against naive float64 loops.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Tensor,
  tensor,
  tidy,
  sum,
  mean,
  max,
  min,
  variance,
  softmax,
  logSoftmax,
  logSumExp,
  argmax,
  argmin,
  mul,
  grad,
} from '@gradstream/core';
import { gradcheck, gradgradcheck, tensorArb, shapeArb } from '@gradstream/core/testing';

const RUNS = 15;

interface Spec {
  shape: readonly number[];
  values: Float64Array;
  make: () => Tensor;
}

/** Distinct values (multiples of 0.1, all different): max/min never tie, so they are differentiable. */
function distinctArb(shape: number[]): fc.Arbitrary<Spec> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.uniqueArray(fc.integer({ min: -30, max: 30 }), { minLength: n, maxLength: n }).map((vs) => {
    const values = Float64Array.from(vs, (v) => v * 0.1);
    return { shape, values, make: () => tensor(values, shape, 'float64') };
  });
}

/** Axes: undefined (all), one axis (maybe negative) or a subset. */
function axesArb(rank: number): fc.Arbitrary<number | number[] | undefined> {
  if (rank === 0) return fc.constant(undefined);
  return fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: -rank, max: rank - 1 }),
    fc.subarray(
      Array.from({ length: rank }, (_, i) => i),
      { minLength: 1 },
    ),
  );
}

function normAxes(axis: number | number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  return (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + rank : a));
}

/** Naive reduction: loops over every element and accumulates into its output cell. */
function naiveReduce(
  shape: number[],
  values: ArrayLike<number>,
  axes: number[],
  keepDims: boolean,
  init: number,
  f: (acc: number, v: number) => number,
): { shape: number[]; values: number[] } {
  const outShapeKept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outSize = outShapeKept.reduce((a, b) => a * b, 1);
  const out = new Array<number>(outSize).fill(init);
  const n = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    let rem = i,
      o = 0,
      mult = 1;
    const idx = new Array<number>(shape.length);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    for (let d = shape.length - 1; d >= 0; d--) {
      o += (axes.includes(d) ? 0 : idx[d]!) * mult;
      mult *= outShapeKept[d]!;
    }
    out[o] = f(out[o]!, values[i]!);
  }
  return { shape: keepDims ? outShapeKept : shape.filter((_, i) => !axes.includes(i)), values: out };
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol * (1 + Math.abs(expected[i]!))))
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

const caseArb = (valueArb: (shape: number[]) => fc.Arbitrary<Spec>, c = { minRank: 1, maxRank: 3, maxDim: 3 }) =>
  shapeArb(c).chain((shape) => fc.tuple(valueArb(shape), axesArb(shape.length), fc.boolean()));

describe('reductions: gradcheck in float64 over random axes and keepDims', () => {
  const plain = (s: number[]) => tensorArb(s, 'float64') as fc.Arbitrary<Spec>;
  const table: [
    string,
    (x: Tensor, axis: number | number[] | undefined, keepDims: boolean) => Tensor,
    (s: number[]) => fc.Arbitrary<Spec>,
  ][] = [
    ['sum', (x, a, k) => sum(x, a, { keepDims: k }), plain],
    ['mean', (x, a, k) => mean(x, a, { keepDims: k }), plain],
    ['max', (x, a, k) => max(x, a, { keepDims: k }), distinctArb],
    ['min', (x, a, k) => min(x, a, { keepDims: k }), distinctArb],
    ['variance', (x, a, k) => variance(x, a, { keepDims: k }), plain],
  ];
  for (const [name, f, arb] of table) {
    it(name, () => {
      fc.assert(
        fc.property(caseArb(arb), ([spec, axis, keepDims]) =>
          tidy(() => gradcheck((x) => f(x, axis, keepDims), [spec.make()])),
        ),
        { numRuns: RUNS },
      );
    });
  }

  it('unbiased variance', () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxRank: 2, minDim: 2, maxDim: 3 }).chain((s) => tensorArb(s)),
        (spec) => tidy(() => gradcheck((x) => variance(x, 0, { unbiased: true }), [spec.make()])),
      ),
      { numRuns: RUNS },
    );
  });

  it('max gradient splits evenly between ties', () => {
    tidy(() => {
      const x = tensor(new Float64Array([1, 3, 3, 2]), [4], 'float64');
      expect(Array.from(grad((t) => max(t))(x).dataSync())).toEqual([0, 0.5, 0.5, 0]);
    });
  });
});

describe('softmax and logSoftmax', () => {
  const arb = shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((shape) =>
    fc.tuple(
      tensorArb(shape, 'float64', { min: -3, max: 3 }),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
    ),
  );
  it('softmax gradcheck along a random axis', () => {
    fc.assert(
      fc.property(arb, ([spec, axis]) => tidy(() => gradcheck((x) => softmax(x, axis), [spec.make()]))),
      { numRuns: RUNS },
    );
  });
  it('logSoftmax gradcheck along a random axis', () => {
    fc.assert(
      fc.property(arb, ([spec, axis]) => tidy(() => gradcheck((x) => logSoftmax(x, axis), [spec.make()]))),
      { numRuns: RUNS },
    );
  });
  it('logSumExp gradcheck', () => {
    fc.assert(
      fc.property(arb, ([spec, axis]) => tidy(() => gradcheck((x) => logSumExp(x, axis), [spec.make()]))),
      { numRuns: RUNS },
    );
  });
  const arb2 = shapeArb({ minRank: 1, maxRank: 2, maxDim: 3 }).chain((shape) =>
    fc.tuple(tensorArb(shape, 'float64', { min: -2, max: 2 }), fc.integer({ min: 0, max: shape.length - 1 })),
  );
  it('softmax gradgradcheck', () => {
    fc.assert(
      fc.property(arb2, ([spec, axis]) => tidy(() => gradgradcheck((x) => softmax(x, axis), [spec.make()]))),
      { numRuns: 10 },
    );
  });
  it('logSoftmax gradgradcheck', () => {
    fc.assert(
      fc.property(arb2, ([spec, axis]) => tidy(() => gradgradcheck((x) => logSoftmax(x, axis), [spec.make()]))),
      { numRuns: 10 },
    );
  });
  it('reductions gradgradcheck (sum of squares, mean, variance)', () => {
    fc.assert(
      fc.property(arb2, ([spec, axis]) =>
        tidy(() =>
          gradgradcheck(
            (x) => variance(mul(sum(mul(x, x), axis, { keepDims: true }), mean(x)), undefined),
            [spec.make()],
          ),
        ),
      ),
      { numRuns: 10 },
    );
  });

  it('forward equals the naive formula, including large logits (stability)', () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((shape) =>
          fc.tuple(tensorArb(shape, 'float64', { min: -50, max: 800 }), fc.integer({ min: 0, max: shape.length - 1 })),
        ),
        ([spec, axis]) =>
          tidy(() => {
            const shape = spec.shape as number[];
            const m = naiveReduce(shape, spec.values, [axis], true, -Infinity, Math.max);
            const idxOut = (i: number): number => {
              let rem = i,
                o = 0,
                mult = 1;
              const idx = new Array<number>(shape.length);
              for (let d = shape.length - 1; d >= 0; d--) {
                idx[d] = rem % shape[d]!;
                rem = Math.floor(rem / shape[d]!);
              }
              for (let d = shape.length - 1; d >= 0; d--) {
                o += (d === axis ? 0 : idx[d]!) * mult;
                mult *= d === axis ? 1 : shape[d]!;
              }
              return o;
            };
            const e = Array.from(spec.values, (v, i) => Math.exp(v - m.values[idxOut(i)]!));
            const z = naiveReduce(shape, e, [axis], true, 0, (a, v) => a + v);
            const sm = e.map((v, i) => v / z.values[idxOut(i)]!);
            const lsm = Array.from(spec.values, (v, i) => v - m.values[idxOut(i)]! - Math.log(z.values[idxOut(i)]!));
            const x = spec.make();
            expectAllClose(softmax(x, axis).dataSync(), sm, 1e-12);
            expectAllClose(logSoftmax(x, axis).dataSync(), lsm, 1e-12);
            expectAllClose(
              logSumExp(x, axis).dataSync(),
              z.values.map((v, i) => Math.log(v) + m.values[i]!),
              1e-12,
            );
          }),
      ),
      { numRuns: 30 },
    );
  });
});

describe('reductions: forward equals naive loops', () => {
  const arb = shapeArb({ minRank: 1, maxRank: 4, maxDim: 4 }).chain((shape) =>
    fc.tuple(tensorArb(shape, 'float64', { min: -5, max: 5 }), axesArb(shape.length), fc.boolean()),
  );
  it('sum, mean, max, min, variance', () => {
    fc.assert(
      fc.property(arb, ([spec, axis, keepDims]) =>
        tidy(() => {
          const shape = spec.shape as number[];
          const axes = normAxes(axis, shape.length);
          const x = spec.make();
          const count = axes.reduce((p, a) => p * shape[a]!, 1);
          const s = naiveReduce(shape, spec.values, axes, keepDims, 0, (a, v) => a + v);
          const ys = sum(x, axis, { keepDims });
          expect(ys.shape).toEqual(s.shape);
          expectAllClose(ys.dataSync(), s.values);
          expectAllClose(
            mean(x, axis, { keepDims }).dataSync(),
            s.values.map((v) => v / count),
          );
          const mx = naiveReduce(shape, spec.values, axes, keepDims, -Infinity, Math.max);
          expectAllClose(max(x, axis, { keepDims }).dataSync(), mx.values, 0);
          const mn = naiveReduce(shape, spec.values, axes, keepDims, Infinity, Math.min);
          expectAllClose(min(x, axis, { keepDims }).dataSync(), mn.values, 0);
          // variance: mean of squared deviations, in two passes
          const meanKept = naiveReduce(shape, spec.values, axes, true, 0, (a, v) => a + v).values.map((v) => v / count);
          const dev: number[] = [];
          const n = spec.values.length;
          for (let i = 0; i < n; i++) {
            let rem = i,
              o = 0,
              mult = 1;
            const idx = new Array<number>(shape.length);
            for (let d = shape.length - 1; d >= 0; d--) {
              idx[d] = rem % shape[d]!;
              rem = Math.floor(rem / shape[d]!);
            }
            for (let d = shape.length - 1; d >= 0; d--) {
              o += (axes.includes(d) ? 0 : idx[d]!) * mult;
              mult *= axes.includes(d) ? 1 : shape[d]!;
            }
            dev.push((spec.values[i]! - meanKept[o]!) ** 2);
          }
          const v = naiveReduce(shape, dev, axes, keepDims, 0, (a, b) => a + b).values.map((x2) => x2 / count);
          expectAllClose(variance(x, axis, { keepDims }).dataSync(), v, 1e-10);
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('argmax / argmin: first index on ties, int32, flattened when no axis', () => {
    const small = shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((shape) =>
      fc.tuple(tensorArb(shape, 'int32', { min: -2, max: 2 }), fc.integer({ min: 0, max: shape.length - 1 })),
    );
    fc.assert(
      fc.property(small, ([spec, axis]) =>
        tidy(() => {
          const shape = spec.shape as number[];
          const x = tensor(Float64Array.from(spec.values), shape, 'float64');
          const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
          const len = shape[axis]!;
          const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
          const wantMax: number[] = [];
          const wantMin: number[] = [];
          for (let o = 0; o < outer; o++)
            for (let i = 0; i < inner; i++) {
              let bi = 0,
                si = 0;
              for (let k = 1; k < len; k++) {
                const v = spec.values[(o * len + k) * inner + i]!;
                if (v > spec.values[(o * len + bi) * inner + i]!) bi = k;
                if (v < spec.values[(o * len + si) * inner + i]!) si = k;
              }
              wantMax.push(bi);
              wantMin.push(si);
            }
          const am = argmax(x, axis);
          expect(am.dtype).toBe('int32');
          expect(am.shape).toEqual(shape.filter((_, i) => i !== axis));
          expect(Array.from(am.dataSync())).toEqual(wantMax);
          expect(Array.from(argmin(x, axis).dataSync())).toEqual(wantMin);
          let flat = 0;
          spec.values.forEach((v, i) => {
            if (v > spec.values[flat]!) flat = i;
          });
          expect(argmax(x).item()).toBe(flat);
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('sum of bool counts trues; mean of int32 is float32', () => {
    tidy(() => {
      expect(sum(tensor([true, false, true])).item()).toBe(2);
      const m = mean(tensor([1, 2], undefined, 'int32'));
      expect(m.dtype).toBe('float32');
      expect(m.item()).toBe(1.5);
    });
  });
});
