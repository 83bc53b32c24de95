import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { AvgPoolGeometry, WindowGeometry } from '@gradstream/core';
import { CONFIGS, RUNS, check, floatData, usePair } from './helpers.js';

interface WindowCase {
  readonly xShape: number[];
  readonly yShape: number[];
  readonly geometry: AvgPoolGeometry;
}

/**
 * Random pooling/unfold windows of rank 1–3 over N×C×(spatial), with
 * padding up to half the kernel and PyTorch's ceil-mode output sizes.
 */
function windowCase(allowCeil: boolean): fc.Arbitrary<WindowCase> {
  return fc.integer({ min: 1, max: 3 }).chain((rank) => {
    const maxIn = rank === 3 ? 5 : rank === 2 ? 9 : 14;
    const perDim = fc.record({
      k: fc.integer({ min: 1, max: 3 }),
      s: fc.integer({ min: 1, max: 3 }),
      d: fc.integer({ min: 1, max: 2 }),
      pad: fc.nat(),
      extra: fc.integer({ min: 0, max: maxIn }),
    });
    return fc
      .record({
        n: fc.integer({ min: 1, max: 3 }),
        c: fc.integer({ min: 1, max: 3 }),
        dims: fc.array(perDim, { minLength: rank, maxLength: rank }),
        ceil: fc.boolean(),
        countIncludePad: fc.boolean(),
      })
      .map(({ n, c, dims, ceil, countIncludePad }) => {
        const padding = dims.map((p) => {
          const half = Math.floor(p.k / 2);
          return [p.pad % (half + 1), (p.pad >> 2) % (half + 1)] as const;
        });
        const inSpatial = dims.map((p) => p.d * (p.k - 1) + 1 + p.extra);
        const outShape = dims.map((p, i) => {
          const span = inSpatial[i]! + padding[i]![0] + padding[i]![1] - p.d * (p.k - 1) - 1;
          let out = (allowCeil && ceil ? Math.ceil(span / p.s) : Math.floor(span / p.s)) + 1;
          if (allowCeil && ceil && (out - 1) * p.s >= inSpatial[i]! + padding[i]![0]) out--;
          return out;
        });
        return {
          xShape: [n, c, ...inSpatial],
          yShape: [n, c, ...outShape],
          geometry: {
            kernel: dims.map((p) => p.k),
            stride: dims.map((p) => p.s),
            dilation: dims.map((p) => p.d),
            padding,
            outShape,
            countIncludePad,
          },
        };
      });
  });
}

const noDilation = (c: WindowCase): WindowCase => ({
  ...c,
  geometry: { ...c.geometry, dilation: c.geometry.dilation.map(() => 1) },
});

describe.each(CONFIGS)('sliding windows (threads $threads, relaxed $relaxedSimd)', (config) => {
  const pair = usePair(config);

  it('unfold', () => {
    fc.assert(
      fc.property(windowCase(false), fc.gen(), (c, gen) => {
        check(pair, [gen(() => floatData(c.xShape))], (be, [x]) => be.unfold(x!, c.geometry as WindowGeometry), 0, 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('fold', () => {
    fc.assert(
      fc.property(windowCase(false), fc.gen(), (c, gen) => {
        const k = c.geometry.kernel.reduce((p, v) => p * v, 1),
          l = c.geometry.outShape.reduce((p, v) => p * v, 1);
        const cols = gen(() => floatData([c.xShape[0]!, c.xShape[1]! * k, l]));
        check(pair, [cols], (be, [t]) => be.fold(t!, c.geometry, c.xShape), 1e-5, 1e-5);
      }),
      { numRuns: RUNS },
    );
  });

  it('maxPool values and indices', () => {
    fc.assert(
      fc.property(windowCase(true), fc.gen(), (c, gen) => {
        check(
          pair,
          [gen(() => floatData(c.xShape))],
          (be, [x]) => {
            const { y, indices } = be.maxPool(x!, c.geometry);
            return [y, indices];
          },
          0,
          0,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('avgPool with and without countIncludePad', () => {
    fc.assert(
      fc.property(windowCase(true).map(noDilation), fc.gen(), (c, gen) => {
        check(pair, [gen(() => floatData(c.xShape))], (be, [x]) => be.avgPool(x!, c.geometry), 1e-5, 1e-6);
      }),
      { numRuns: RUNS },
    );
  });

  it('avgPoolBackward', () => {
    fc.assert(
      fc.property(windowCase(true).map(noDilation), fc.gen(), (c, gen) => {
        check(
          pair,
          [gen(() => floatData(c.yShape))],
          (be, [dy]) => be.avgPoolBackward(dy!, c.geometry, c.xShape),
          1e-5,
          1e-6,
        );
      }),
      { numRuns: RUNS },
    );
  });
});
