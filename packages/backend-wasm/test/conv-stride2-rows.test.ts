import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { ConvGeometry } from '@gradstream/core';
import { CONFIGS, check, floatData, usePair } from './helpers.js';

/**
 * im2col along rows of stride 2 (assembly/im2col.ts, walk2d with SW = 2)
 * copies every other float in vectors: rows wholly inside the input, rows cut
 * by padding (copied whole, ends zeroed), and rows cut by more padding than
 * the heap's guard (copied tap by tap). The forward and the filter gradient
 * use it; both are checked against the CPU reference on 1-D and 2-D layers
 * of widths across those cases, with dilation and asymmetric padding.
 */
const layer = fc
  .record({
    rank: fc.integer({ min: 1, max: 2 }),
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 1, max: 4 }),
    o: fc.integer({ min: 1, max: 5 }),
    width: fc.integer({ min: 1, max: 70 }),
    height: fc.integer({ min: 1, max: 6 }),
    k: fc.integer({ min: 1, max: 7 }),
    d: fc.integer({ min: 1, max: 2 }),
    before: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 15, max: 20 })),
    after: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 15, max: 20 })),
  })
  .map((p) => {
    const spatial = p.rank === 1 ? [p.width] : [p.height, p.width];
    const kernel = p.rank === 1 ? [p.k] : [Math.min(p.k, 3), p.k];
    const geometry: ConvGeometry = {
      stride: p.rank === 1 ? [2] : [1, 2],
      dilation: p.rank === 1 ? [p.d] : [1, p.d],
      padding:
        p.rank === 1
          ? [[p.before, p.after]]
          : [
              [1, 1],
              [p.before, p.after],
            ],
      groups: 1,
    };
    const out = spatial.map((s, i) => {
      const [b, a] = geometry.padding[i]!;
      return Math.floor((s + b + a - geometry.dilation[i]! * (kernel[i]! - 1) - 1) / geometry.stride[i]!) + 1;
    });
    return {
      xShape: [p.n, p.c, ...spatial],
      wShape: [p.o, p.c, ...kernel],
      yShape: [p.n, p.o, ...out],
      geometry,
    };
  })
  .filter((l) => l.yShape.every((d) => d >= 1));

describe.each(CONFIGS)('convolution with stride 2 along rows (threads $threads, relaxed $relaxedSimd)', (config) => {
  const pair = usePair(config);

  it('forward and filter gradient match the CPU reference', () => {
    fc.assert(
      fc.property(
        layer.chain((l) =>
          fc.tuple(fc.constant(l), floatData(l.xShape, -1, 1), floatData(l.wShape, -1, 1), floatData(l.yShape, -1, 1)),
        ),
        ([l, x, w, dy]) => {
          check(pair, [x, w], (be, [xt, wt]) => be.conv(xt!, wt!, l.geometry), 1e-4, 1e-4);
          check(pair, [x, dy], (be, [xt, dt]) => be.convBackpropFilter!(xt!, dt!, l.geometry, l.wShape), 1e-4, 1e-3);
        },
      ),
      { numRuns: 40 },
    );
  });
});
