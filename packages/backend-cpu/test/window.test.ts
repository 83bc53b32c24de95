import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, dot, expectClose, put, randomValues, sizeOf, take } from './helpers.js';
import { refUnfold, windowCaseArb } from './reference.js';

describe('unfold and fold', () => {
  it('unfold matches im2col by definition', () => {
    fc.assert(
      fc.property(windowCaseArb, fc.nat(), ({ dtype, xShape, geometry }, seed) => {
        const xv = randomValues(sizeOf(xShape), seed);
        const x = put(xv, xShape, dtype);
        const cols = backend.unfold(x, geometry);
        expect(cols.shape).toEqual([xShape[0], xShape[1]! * sizeOf(geometry.kernel), sizeOf(geometry.outShape)]);
        expect(cols.dtype).toBe(dtype);
        expectClose(take(cols), refUnfold(xShape, geometry, xv), dtype);
        take(x);
      }),
      { numRuns: 50 },
    );
  });

  it('fold is the adjoint of unfold: <unfold(x), c> = <x, fold(c)>', () => {
    fc.assert(
      fc.property(windowCaseArb, fc.nat(), ({ xShape, geometry }, seed) => {
        const xv = randomValues(sizeOf(xShape), seed);
        const colsShape = [xShape[0]!, xShape[1]! * sizeOf(geometry.kernel), sizeOf(geometry.outShape)];
        const cv = randomValues(sizeOf(colsShape), seed + 1);
        const x = put(xv, xShape);
        const c = put(cv, colsShape);
        const folded = backend.fold(c, geometry, xShape);
        expect(folded.shape).toEqual(xShape);
        expect(dot(xv, take(folded))).toBeCloseTo(dot(take(backend.unfold(x, geometry)), cv), 10);
        take(x);
        take(c);
      }),
      { numRuns: 50 },
    );
  });
});
