import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { ConvGeometry } from '@gradstream/core';
import { CONFIGS, RUNS, check, floatData, usePair } from './helpers.js';

interface ConvCase {
  readonly xShape: number[];
  readonly wShape: number[];
  readonly yShape: number[];
  readonly geometry: ConvGeometry;
}

/** Random 1-D/2-D/3-D convolutions with stride, dilation, asymmetric padding and groups. */
const convCase: fc.Arbitrary<ConvCase> = fc.integer({ min: 1, max: 3 }).chain((rank) => {
  const maxIn = rank === 3 ? 5 : rank === 2 ? 9 : 16;
  const perDim = fc.record({
    k: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 3 }),
    d: fc.integer({ min: 1, max: 2 }),
    before: fc.integer({ min: 0, max: 2 }),
    after: fc.integer({ min: 0, max: 2 }),
    extra: fc.integer({ min: 0, max: maxIn }),
  });
  return fc
    .record({
      n: fc.integer({ min: 1, max: 3 }),
      groups: fc.integer({ min: 1, max: 3 }),
      cg: fc.integer({ min: 1, max: 3 }),
      og: fc.integer({ min: 1, max: 3 }),
      dims: fc.array(perDim, { minLength: rank, maxLength: rank }),
    })
    .map(({ n, groups, cg, og, dims }) => {
      // Input just large enough for one output position, plus `extra`.
      const inSpatial = dims.map((p) => Math.max(1, p.d * (p.k - 1) + 1 - p.before - p.after + p.extra));
      const out = dims.map((p, i) => Math.floor((inSpatial[i]! + p.before + p.after - p.d * (p.k - 1) - 1) / p.s) + 1);
      return {
        xShape: [n, groups * cg, ...inSpatial],
        wShape: [groups * og, cg, ...dims.map((p) => p.k)],
        yShape: [n, groups * og, ...out],
        geometry: {
          stride: dims.map((p) => p.s),
          dilation: dims.map((p) => p.d),
          padding: dims.map((p) => [p.before, p.after] as const),
          groups,
        },
      };
    })
    .filter((c) => c.yShape.every((d) => d >= 1));
});

describe.each(CONFIGS)('convolution (threads $threads, relaxed $relaxedSimd)', (config) => {
  const pair = usePair(config);

  it('forward', () => {
    fc.assert(
      fc.property(convCase, fc.gen(), (c, gen) => {
        const x = gen(() => floatData(c.xShape, -1, 1)),
          w = gen(() => floatData(c.wShape, -1, 1));
        check(pair, [x, w], (be, [xt, wt]) => be.conv(xt!, wt!, c.geometry), 1e-4, 1e-4);
      }),
      { numRuns: RUNS },
    );
  });

  it('backprop input', () => {
    fc.assert(
      fc.property(convCase, fc.gen(), (c, gen) => {
        const dy = gen(() => floatData(c.yShape, -1, 1)),
          w = gen(() => floatData(c.wShape, -1, 1));
        check(pair, [dy, w], (be, [dyt, wt]) => be.convBackpropInput!(dyt!, wt!, c.geometry, c.xShape), 1e-4, 1e-4);
      }),
      { numRuns: RUNS },
    );
  });

  it('backprop filter', () => {
    fc.assert(
      fc.property(convCase, fc.gen(), (c, gen) => {
        const x = gen(() => floatData(c.xShape, -1, 1)),
          dy = gen(() => floatData(c.yShape, -1, 1));
        check(pair, [x, dy], (be, [xt, dyt]) => be.convBackpropFilter!(xt!, dyt!, c.geometry, c.wShape), 1e-4, 1e-4);
      }),
      { numRuns: RUNS },
    );
  });

  it('a layer large enough to cross the GEMM cache blocks, all three kernels', () => {
    const geometry: ConvGeometry = {
      stride: [1, 1],
      dilation: [1, 1],
      padding: [
        [1, 1],
        [1, 1],
      ],
      groups: 1,
    };
    fc.assert(
      fc.property(
        floatData([2, 32, 12, 12], -1, 1),
        floatData([72, 32, 3, 3], -1, 1),
        floatData([2, 72, 12, 12], -1, 1),
        (x, w, dy) => {
          check(pair, [x, w], (be, [xt, wt]) => be.conv(xt!, wt!, geometry), 1e-4, 1e-3);
          check(pair, [dy, w], (be, [dyt, wt]) => be.convBackpropInput!(dyt!, wt!, geometry, x.shape), 1e-4, 1e-3);
          check(pair, [x, dy], (be, [xt, dyt]) => be.convBackpropFilter!(xt!, dyt!, geometry, w.shape), 1e-4, 1e-3);
        },
      ),
      { numRuns: 2 },
    );
  });
});
