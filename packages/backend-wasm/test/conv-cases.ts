import fc from 'fast-check';
import type { ConvGeometry } from '@gradstream/core';

/** A convolution's shapes and geometry. */
export interface ConvCase {
  readonly xShape: number[];
  readonly wShape: number[];
  readonly yShape: number[];
  readonly geometry: ConvGeometry;
}

/** Random 1-D/2-D/3-D convolutions with stride, dilation, asymmetric padding and groups. */
export const convCase: fc.Arbitrary<ConvCase> = fc.integer({ min: 1, max: 3 }).chain((rank) => {
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
