import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReduceOp } from '@gradstream/core';
import {
  backend,
  expectClose,
  floatDType,
  forEachIndex,
  put,
  randomValues,
  shapeArb,
  sizeOf,
  take,
} from './helpers.js';

/** Independent reduction: every input element folds into the output cell its kept coordinates name. */
function refReduce(op: ReduceOp, values: number[], shape: number[], axes: number[]): number[] {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const out = new Array<number>(sizeOf(outShape)).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
  let flat = 0;
  forEachIndex(shape, (index) => {
    let o = 0;
    index.forEach((v, i) => {
      if (!axes.includes(i)) o = o * shape[i]! + v;
    });
    const v = values[flat++]!;
    out[o] = op === 'sum' ? out[o]! + v : op === 'max' ? Math.max(out[o]!, v) : Math.min(out[o]!, v);
  });
  return out;
}

const shapeWithAxes = shapeArb(1, 5).chain((shape) =>
  fc
    .subarray(
      shape.map((_, i) => i),
      { minLength: 1 },
    )
    .map((axes) => ({ shape, axes })),
);

describe('reduce', () => {
  it('sums, maxes and mins over any axes', () => {
    fc.assert(
      fc.property(shapeWithAxes, floatDType, fc.nat(), ({ shape, axes }, dtype, seed) => {
        const values = randomValues(sizeOf(shape), seed);
        const x = put(values, shape, dtype);
        for (const op of ['sum', 'max', 'min'] as const) {
          const y = backend.reduce(op, x, axes);
          expect(y.shape).toEqual(shape.filter((_, i) => !axes.includes(i)));
          expect(y.dtype).toBe(dtype);
          expectClose(take(y), refReduce(op, values, shape, axes), dtype);
        }
        take(x);
      }),
      { numRuns: 50 },
    );
  });

  it('keeps float32 sums accurate over many elements', () => {
    const n = 1 << 18;
    const x = put(new Array<number>(n).fill(0.1), [4, n / 4], 'float32');
    const expected = (n / 4) * Math.fround(0.1);
    expectClose(take(backend.reduce('sum', x, [1])), [expected, expected, expected, expected], 'float32', 0.01);
    expectClose(take(backend.reduce('sum', x, [0])).slice(0, 1), [4 * Math.fround(0.1)], 'float32', 0.01);
    take(x);
  });

  it('propagates NaN through max and min, on both paths', () => {
    const x = put([1, NaN, 3, 4, 5, 6], [2, 3]);
    expect(take(backend.reduce('max', x, [1]))).toEqual([NaN, 6]);
    expect(take(backend.reduce('min', x, [0]))).toEqual([1, NaN, 3]);
    take(x);
  });

  it('reduces int32 and bool', () => {
    const i = put([1, -2, 3, 4], [2, 2], 'int32');
    expect(take(backend.reduce('sum', i, [0]))).toEqual([4, 2]);
    expect(take(backend.reduce('max', i, [0, 1]))).toEqual([4]);
    const b = put([0, 1, 0, 0], [2, 2], 'bool');
    expect(take(backend.reduce('max', b, [1]))).toEqual([1, 0]);
    expect(take(backend.reduce('min', b, [0]))).toEqual([0, 0]);
    expect(take(backend.reduce('sum', b, [0]))).toEqual([0, 1]);
    take(i);
    take(b);
  });
});

describe('argReduce', () => {
  it('returns the first extreme index along an axis', () => {
    fc.assert(
      fc.property(
        shapeArb(1, 4).chain((shape) => fc.record({ shape: fc.constant(shape), axis: fc.nat(shape.length - 1) })),
        fc.nat(),
        ({ shape, axis }, seed) => {
          // Few distinct values, so ties are common.
          const values = randomValues(sizeOf(shape), seed).map((v) => Math.round(v * 2));
          const x = put(values, shape, 'float32');
          const len = shape[axis]!;
          const inner = sizeOf(shape.slice(axis + 1));
          const outer = sizeOf(shape.slice(0, axis));
          for (const op of ['argmax', 'argmin'] as const) {
            const expected: number[] = [];
            for (let o = 0; o < outer; o++) {
              for (let j = 0; j < inner; j++) {
                const line = Array.from({ length: len }, (_, k) => values[(o * len + k) * inner + j]!);
                const target = op === 'argmax' ? Math.max(...line) : Math.min(...line);
                expected.push(line.indexOf(target));
              }
            }
            const y = backend.argReduce(op, x, axis);
            expect(y.dtype).toBe('int32');
            expect(y.shape).toEqual(shape.filter((_, i) => i !== axis));
            expect(take(y)).toEqual(expected);
          }
          take(x);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('treats NaN as the extreme, like PyTorch', () => {
    const x = put([1, NaN, 3, NaN], [4]);
    expect(take(backend.argReduce('argmax', x, 0))).toEqual([1]);
    expect(take(backend.argReduce('argmin', x, 0))).toEqual([1]);
    take(x);
  });
});
