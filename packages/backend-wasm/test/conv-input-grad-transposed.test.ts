import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { ConvGeometry } from '@gradstream/core';
import { CONFIGS, check, floatData, usePair } from './helpers.js';

/**
 * The input gradient of a stride-1 convolution with many input channels on
 * small images runs as a forward convolution of dy with the flipped filter
 * (src/kernels/conv.ts, transposedGeometry); other geometries keep the
 * GEMM-then-col2im route. Both are checked against the CPU reference: 32 or
 * more channels per group, 1-D to 3-D, dilation, asymmetric padding up to
 * and past dilation·(k − 1) (past it the GEMM route takes over), groups, and
 * some stride-2 and larger cases on the other route.
 */
interface Case {
  readonly xShape: number[];
  readonly wShape: number[];
  readonly yShape: number[];
  readonly geometry: ConvGeometry;
}

const deepCase: fc.Arbitrary<Case> = fc.integer({ min: 1, max: 3 }).chain((rank) => {
  const perDim = fc.record({
    k: fc.integer({ min: 1, max: 3 }),
    d: fc.integer({ min: 1, max: 2 }),
    before: fc.integer({ min: 0, max: 3 }),
    after: fc.integer({ min: 0, max: 3 }),
    size: fc.integer({ min: 1, max: rank === 1 ? 70 : rank === 2 ? 9 : 4 }),
  });
  return fc
    .record({
      n: fc.integer({ min: 1, max: 3 }),
      groups: fc.integer({ min: 1, max: 2 }),
      cg: fc.constantFrom(32, 33, 40),
      og: fc.integer({ min: 1, max: 9 }),
      stride: fc.constantFrom(1, 1, 1, 2),
      dims: fc.array(perDim, { minLength: rank, maxLength: rank }),
    })
    .map(({ n, groups, cg, og, stride, dims }) => {
      const out = dims.map((p) => Math.floor((p.size + p.before + p.after - p.d * (p.k - 1) - 1) / stride) + 1);
      return {
        xShape: [n, groups * cg, ...dims.map((p) => p.size)],
        wShape: [groups * og, cg, ...dims.map((p) => p.k)],
        yShape: [n, groups * og, ...out],
        geometry: {
          stride: dims.map(() => stride),
          dilation: dims.map((p) => p.d),
          padding: dims.map((p) => [p.before, p.after] as const),
          groups,
        },
      };
    })
    .filter((c) => c.yShape.every((d) => d >= 1));
});

describe.each(CONFIGS)(
  'input gradient of deep stride-1 convolutions (threads $threads, relaxed $relaxedSimd)',
  (config) => {
    const pair = usePair(config);

    it('matches the CPU reference', () => {
      fc.assert(
        fc.property(
          deepCase.chain((c) => fc.tuple(fc.constant(c), floatData(c.yShape, -1, 1), floatData(c.wShape, -1, 1))),
          ([c, dy, w]) => {
            check(pair, [dy, w], (be, [dt, wt]) => be.convBackpropInput!(dt!, wt!, c.geometry, c.xShape), 1e-4, 1e-4);
          },
        ),
        { numRuns: 20 },
      );
    });

    it('ResNet-18 CIFAR layer 4 (512 channels at 4×4, batch 2)', () => {
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
        fc.property(floatData([2, 512, 4, 4], -1, 1), floatData([512, 512, 3, 3], -0.1, 0.1), (dy, w) => {
          check(pair, [dy, w], (be, [dt, wt]) => be.convBackpropInput!(dt!, wt!, geometry, [2, 512, 4, 4]), 1e-4, 1e-4);
        }),
        { numRuns: 1 },
      );
    });
  },
);
