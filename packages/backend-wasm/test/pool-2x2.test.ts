import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { WindowGeometry } from '@gradstream/core';
import { CONFIGS, RUNS, check, usePair } from './helpers.js';

/**
 * 2×2 max pooling with stride 2 (LeNet's, VGG's) has its own kernel. Values
 * drawn from a few integers, infinities and NaN make ties and NaNs common, so
 * the first-maximum and NaN-wins rules and the indices are checked against
 * the CPU reference, on even and odd input sizes (an odd edge row or column
 * is left out of every window) and rows of any width (the vector loop's tail).
 */
const pool2x2 = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 2, max: 13 }),
    w: fc.integer({ min: 2, max: 37 }),
  })
  .chain(({ n, c, h, w }) =>
    fc
      .array(fc.constantFrom(-2, -1, 0, 1, 2, 3, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN), {
        minLength: n * c * h * w,
        maxLength: n * c * h * w,
      })
      .map((values) => ({
        x: { values: Float32Array.from(values), shape: [n, c, h, w], dtype: 'float32' as const },
        geometry: {
          kernel: [2, 2],
          stride: [2, 2],
          dilation: [1, 1],
          padding: [
            [0, 0],
            [0, 0],
          ],
          outShape: [Math.floor(h / 2), Math.floor(w / 2)],
        } satisfies WindowGeometry,
      })),
  );

describe.each(CONFIGS)('2×2 max pooling, stride 2 (threads $threads, relaxed $relaxedSimd)', (config) => {
  const pair = usePair(config);

  it('values and indices match the reference, with ties and NaNs', () => {
    fc.assert(
      fc.property(pool2x2, ({ x, geometry }) => {
        check(pair, [x], (be, [xt]) => {
          const { y, indices } = be.maxPool(xt!, geometry);
          return [y, indices];
        });
      }),
      { numRuns: RUNS },
    );
  });
});
