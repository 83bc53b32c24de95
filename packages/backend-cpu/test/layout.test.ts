import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType } from '@gradstream/core';
import {
  backend,
  dot,
  expectClose,
  forEachIndex,
  put,
  randomValues,
  ravel,
  shapeArb,
  sizeOf,
  take,
} from './helpers.js';

const anyDType = fc.constantFrom<DType>('float32', 'float64', 'int32');

/** Values that every dtype stores exactly. */
function ints(n: number, seed: number): number[] {
  return randomValues(n, seed).map((v) => Math.round(v * 100) || 0);
}

describe('transpose', () => {
  it('moves dim perm[i] to position i', () => {
    const arb = shapeArb(1, 5).chain((shape) =>
      fc
        .shuffledSubarray(
          shape.map((_, i) => i),
          { minLength: shape.length, maxLength: shape.length },
        )
        .map((perm) => ({ shape, perm })),
    );
    fc.assert(
      fc.property(arb, anyDType, fc.nat(), ({ shape, perm }, dtype, seed) => {
        const values = ints(sizeOf(shape), seed);
        const x = put(values, shape, dtype);
        const y = backend.transpose(x, perm);
        const outShape = perm.map((p) => shape[p]!);
        expect(y.shape).toEqual(outShape);
        const expected: number[] = [];
        forEachIndex(outShape, (index) => {
          const src = new Array<number>(shape.length);
          perm.forEach((p, i) => {
            src[p] = index[i]!;
          });
          expected.push(values[ravel(src, shape)]!);
        });
        expect(take(y)).toEqual(expected);
        take(x);
      }),
      { numRuns: 50 },
    );
  });
});

describe('slice and pad', () => {
  const blockArb = shapeArb(1, 4, 6).chain((shape) =>
    fc
      .tuple(
        ...shape.map((d) =>
          fc.tuple(fc.nat(d - 1), fc.nat(d - 1)).map(([a, b]) => [Math.min(a, b), Math.abs(a - b) + 1] as const),
        ),
      )
      .map((ranges) => ({ shape, begin: ranges.map((r) => r[0]), size: ranges.map((r) => r[1]) })),
  );

  it('slice copies the block at begin', () => {
    fc.assert(
      fc.property(blockArb, anyDType, fc.nat(), ({ shape, begin, size }, dtype, seed) => {
        const values = ints(sizeOf(shape), seed);
        const x = put(values, shape, dtype);
        const expected: number[] = [];
        forEachIndex(size, (index) =>
          expected.push(
            values[
              ravel(
                index.map((v, i) => v + begin[i]!),
                shape,
              )
            ]!,
          ),
        );
        const y = backend.slice(x, begin, size);
        expect(y.shape).toEqual(size);
        expect(take(y)).toEqual(expected);
        take(x);
      }),
      { numRuns: 50 },
    );
  });

  it('pad surrounds x with the value', () => {
    const arb = shapeArb(1, 4).chain((shape) =>
      fc.tuple(...shape.map(() => fc.tuple(fc.nat(2), fc.nat(2)))).map((paddings) => ({ shape, paddings })),
    );
    fc.assert(
      fc.property(
        arb,
        anyDType,
        fc.integer({ min: -3, max: 3 }),
        fc.nat(),
        ({ shape, paddings }, dtype, value, seed) => {
          const values = ints(sizeOf(shape), seed);
          const x = put(values, shape, dtype);
          const outShape = shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
          const expected: number[] = [];
          forEachIndex(outShape, (index) => {
            const src = index.map((v, i) => v - paddings[i]![0]);
            const inside = src.every((v, i) => v >= 0 && v < shape[i]!);
            expected.push(inside ? values[ravel(src, shape)]! : value);
          });
          const y = backend.pad(x, paddings, value);
          expect(y.shape).toEqual(outShape);
          expect(take(y)).toEqual(expected);
          take(x);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('concat', () => {
  it('joins along an axis, slices recover the parts', () => {
    const arb = shapeArb(1, 4).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        axis: fc.nat(shape.length - 1),
        lengths: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
      }),
    );
    fc.assert(
      fc.property(arb, anyDType, fc.nat(), ({ shape, axis, lengths }, dtype, seed) => {
        const parts = lengths.map((len, j) => {
          const s = shape.map((d, i) => (i === axis ? len : d));
          const values = ints(sizeOf(s), seed + j);
          return { t: put(values, s, dtype), values, s };
        });
        const y = backend.concat(
          parts.map((p) => p.t),
          axis,
        );
        const total = lengths.reduce((a, b) => a + b, 0);
        expect(y.shape).toEqual(shape.map((d, i) => (i === axis ? total : d)));
        let begin = 0;
        for (const p of parts) {
          const piece = backend.slice(
            y,
            y.shape.map((_, i) => (i === axis ? begin : 0)),
            p.s,
          );
          expect(take(piece)).toEqual(p.values);
          begin += p.s[axis]!;
          take(p.t);
        }
        take(y);
      }),
      { numRuns: 40 },
    );
  });
});

describe('gather and scatterAdd', () => {
  const arb = shapeArb(1, 3).chain((shape) =>
    fc
      .record({
        shape: fc.constant(shape),
        axis: fc.nat(shape.length - 1),
        indicesShape: shapeArb(0, 2, 4),
      })
      .chain((r) =>
        fc
          .array(fc.nat(r.shape[r.axis]! - 1), { minLength: sizeOf(r.indicesShape), maxLength: sizeOf(r.indicesShape) })
          .map((indices) => ({ ...r, indices })),
      ),
  );

  it('gather takes slices; scatterAdd is its adjoint', () => {
    fc.assert(
      fc.property(arb, fc.nat(), ({ shape, axis, indicesShape, indices }, seed) => {
        const values = randomValues(sizeOf(shape), seed);
        const x = put(values, shape);
        const idx = put(indices, indicesShape, 'int32');
        const y = backend.gather(x, idx, axis);
        const outShape = [...shape.slice(0, axis), ...indicesShape, ...shape.slice(axis + 1)];
        expect(y.shape).toEqual(outShape);
        const expected: number[] = [];
        forEachIndex(outShape, (index) => {
          const picked = indices[ravel(index.slice(axis, axis + indicesShape.length), indicesShape)]!;
          const src = [...index.slice(0, axis), picked, ...index.slice(axis + indicesShape.length)];
          expected.push(values[ravel(src, shape)]!);
        });
        const gathered = take(y);
        expectClose(gathered, expected, 'float64');

        const dyValues = randomValues(sizeOf(outShape), seed + 1);
        const dy = put(dyValues, outShape);
        const dx = backend.scatterAdd(dy, idx, axis, shape[axis]!);
        expect(dx.shape).toEqual(shape);
        expect(dot(gathered, dyValues)).toBeCloseTo(dot(values, take(dx)), 10);
        take(x);
        take(idx);
        take(dy);
      }),
      { numRuns: 50 },
    );
  });

  it('copies long rows in bulk', () => {
    const values = randomValues(3 * 100, 4);
    const x = put(values, [3, 100], 'float32');
    const idx = put([2, 0, 2], [3], 'int32');
    const y = take(backend.gather(x, idx, 0));
    expect(y).toEqual([...values.slice(200), ...values.slice(0, 100), ...values.slice(200)]);
    take(x);
    take(idx);
  });
});
