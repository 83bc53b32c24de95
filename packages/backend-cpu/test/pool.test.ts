import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, dot, expectClose, put, randomValues, sizeOf, take } from './helpers.js';
import { refAvgPool, refMaxPool, windowCaseArb } from './reference.js';

describe('maxPool', () => {
  it('matches the definition, with flat indices into the whole x and the first max on ties', () => {
    fc.assert(
      fc.property(windowCaseArb, fc.nat(), ({ dtype, xShape, geometry }, seed) => {
        // Few distinct values, so ties are common.
        const xv = randomValues(sizeOf(xShape), seed).map((v) => Math.round(v * 3));
        const x = put(xv, xShape, dtype);
        const { y, indices } = backend.maxPool(x, geometry);
        const ref = refMaxPool(xShape, geometry, xv);
        expect(y.shape).toEqual([xShape[0], xShape[1], ...geometry.outShape]);
        expect(indices.shape).toEqual(y.shape);
        expect(indices.dtype).toBe('int32');
        expect(take(y)).toEqual(ref.y);
        expect(take(indices)).toEqual(ref.indices);
        take(x);
      }),
      { numRuns: 50 },
    );
  });

  it('lets NaN win a window', () => {
    const x = put([1, NaN, 3, 2], [1, 1, 4]);
    const { y, indices } = backend.maxPool(x, {
      kernel: [2],
      stride: [2],
      dilation: [1],
      padding: [[0, 0]],
      outShape: [2],
    });
    expect(take(y)).toEqual([NaN, 3]);
    expect(take(indices)).toEqual([1, 2]);
    take(x);
  });
});

describe('avgPool', () => {
  it('matches the definition with PyTorch divisors (countIncludePad, ceil mode)', () => {
    fc.assert(
      fc.property(windowCaseArb, fc.nat(), ({ dtype, xShape, geometry }, seed) => {
        const xv = randomValues(sizeOf(xShape), seed);
        const x = put(xv, xShape, dtype);
        const y = backend.avgPool(x, geometry);
        expect(y.shape).toEqual([xShape[0], xShape[1], ...geometry.outShape]);
        expectClose(take(y), refAvgPool(xShape, geometry, xv), dtype);
        take(x);
      }),
      { numRuns: 50 },
    );
  });

  it('uses PyTorch divisors on a ceil-mode window past the input', () => {
    // in 5, kernel 2, stride 2, pad 1, ceil mode: windows [-1,0], [1,2], [3,4], [5,6] → out 3 (the 4th starts past in + before).
    // PyTorch: avg_pool1d([1..5], 2, 2, 1, ceil_mode=True, count_include_pad=True) = [0.5, 2.5, 4.5].
    const x = put([1, 2, 3, 4, 5], [1, 1, 5]);
    const g = { kernel: [2], stride: [2], dilation: [1], padding: [[1, 1] as const], outShape: [3] };
    expect(take(backend.avgPool(x, { ...g, countIncludePad: true }))).toEqual([0.5, 2.5, 4.5]);
    expect(take(backend.avgPool(x, { ...g, countIncludePad: false }))).toEqual([1, 2.5, 4.5]);
    // in 4, kernel 3, stride 2, no pad, ceil mode → windows [0..2], [2..4]; the second runs past the input.
    // PyTorch divides it by 2 (positions 2, 3), with or without countIncludePad.
    const x4 = put([1, 2, 3, 4], [1, 1, 4]);
    const g4 = { kernel: [3], stride: [2], dilation: [1], padding: [[0, 0] as const], outShape: [2] };
    expect(take(backend.avgPool(x4, { ...g4, countIncludePad: true }))).toEqual([2, 3.5]);
    take(x);
    take(x4);
  });

  it('avgPoolBackward is the adjoint: <avgPool(x), dy> = <x, avgPoolBackward(dy)>', () => {
    fc.assert(
      fc.property(windowCaseArb, fc.nat(), ({ xShape, geometry }, seed) => {
        const yShape = [xShape[0]!, xShape[1]!, ...geometry.outShape];
        const xv = randomValues(sizeOf(xShape), seed);
        const dyv = randomValues(sizeOf(yShape), seed + 1);
        const x = put(xv, xShape);
        const dy = put(dyv, yShape);
        const dx = backend.avgPoolBackward(dy, geometry, xShape);
        expect(dx.shape).toEqual(xShape);
        expect(dot(xv, take(dx))).toBeCloseTo(dot(take(backend.avgPool(x, geometry)), dyv), 10);
        take(x);
        take(dy);
      }),
      { numRuns: 50 },
    );
  });
});
