// 3×3 stride-1 layers with 16 or more channels each side run forward and
// their filter gradients by Winograd's F(2×2, 3×3) (assembly/winograd.ts),
// and so do their input gradients with 32 or more input channels (as the
// forward convolution of dy with the flipped filter). Checked against the CPU reference on odd and
// tiny maps, every padding from 0 to 2 on each side, and batches whose tiles
// span several chunks; and bit for bit across thread counts, since the
// threads split images, output rows (at odd rows, inside a tile) or channels.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ConvGeometry } from '@gradstream/core';
import { createWasmBackend } from '@gradstream/backend-wasm';
import { CONFIGS, type Data, check, floatData, put, take, usePair } from './helpers.js';

interface Layer {
  readonly n: number;
  readonly c: number;
  readonly o: number;
  readonly h: number;
  readonly w: number;
  readonly geometry: ConvGeometry;
}

const out = (size: number, [before, after]: readonly [number, number]) => size + before + after - 2;

/** A 3×3 stride-1 layer: n images of c channels at h×w, o outputs, padding [top, bottom, left, right]. */
function layer(n: number, c: number, o: number, h: number, w: number, [t, b, l, r]: readonly number[]): Layer {
  const padding = [
    [t!, b!],
    [l!, r!],
  ] as const;
  return { n, c, o, h, w, geometry: { stride: [1, 1], dilation: [1, 1], padding, groups: 1 } };
}

/** Layers the Winograd path takes: 16+ channels, stride 1, 3×3, at least 16 tiles over the batch. */
const layerArb: fc.Arbitrary<Layer> = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.oneof(fc.integer({ min: 16, max: 19 }), fc.integer({ min: 32, max: 34 })),
    o: fc.integer({ min: 16, max: 19 }),
    h: fc.integer({ min: 1, max: 11 }),
    w: fc.integer({ min: 1, max: 11 }),
    pads: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ n, c, o, h, w, pads }) => layer(n, c, o, h, w, pads))
  .filter((l) => {
    const [oh, ow] = [out(l.h, l.geometry.padding[0]!), out(l.w, l.geometry.padding[1]!)];
    return oh >= 1 && ow >= 1 && l.n * Math.ceil(oh / 2) * Math.ceil(ow / 2) >= 16;
  });

function layerData(l: Layer): fc.Arbitrary<[Data, Data, Data]> {
  const [oh, ow] = [out(l.h, l.geometry.padding[0]!), out(l.w, l.geometry.padding[1]!)];
  return fc.tuple(
    floatData([l.n, l.c, l.h, l.w], -1, 1),
    floatData([l.o, l.c, 3, 3], -1, 1),
    floatData([l.n, l.o, oh, ow], -1, 1),
  );
}

describe.each(CONFIGS)('Winograd F(2×2, 3×3) convolution (threads $threads, relaxed $relaxedSimd)', (config) => {
  const pair = usePair(config);

  it('forward, input gradient and filter gradient match the CPU reference', () => {
    fc.assert(
      fc.property(
        layerArb.chain((l) => layerData(l).map((data) => [l, data] as const)),
        ([l, [x, w, dy]]) => {
          check(pair, [x, w], (be, [xt, wt]) => be.conv(xt!, wt!, l.geometry), 1e-4, 1e-4);
          check(pair, [dy, w], (be, [dt, wt]) => be.convBackpropInput!(dt!, wt!, l.geometry, x.shape), 1e-4, 1e-4);
          check(pair, [x, dy], (be, [xt, dt]) => be.convBackpropFilter!(xt!, dt!, l.geometry, w.shape), 1e-4, 1e-3);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('a batch whose tiles fill several chunks (64 channels, 8 images of 18×18)', () => {
    const l = layer(8, 64, 64, 18, 18, [1, 1, 1, 1]);
    fc.assert(
      fc.property(layerData(l), ([x, w, dy]) => {
        check(pair, [x, w], (be, [xt, wt]) => be.conv(xt!, wt!, l.geometry), 1e-4, 1e-4);
        check(pair, [x, dy], (be, [xt, dt]) => be.convBackpropFilter!(xt!, dt!, l.geometry, w.shape), 1e-4, 1e-3);
      }),
      { numRuns: 1 },
    );
  });
});

describe('Winograd convolution across thread counts', () => {
  it('gives the same floats at 1, 2 and 3 threads, for one image (rows or channels split) and several', async () => {
    const backends = await Promise.all([1, 2, 3].map((threads) => createWasmBackend({ threads, minParallelFlops: 0 })));
    try {
      const layers = [
        layer(1, 20, 24, 13, 9, [1, 1, 1, 1]),
        layer(1, 24, 16, 5, 14, [0, 2, 1, 0]),
        layer(1, 16, 52, 7, 7, [1, 1, 1, 1]),
        layer(3, 16, 17, 7, 7, [1, 1, 1, 1]),
      ];
      for (const l of layers) {
        const [x, w, dy] = fc.sample(layerData(l), { numRuns: 1, seed: 7 })[0]!;
        const outputs = backends.map((be) => {
          const [xt, wt, dt] = [put(be, x), put(be, w), put(be, dy)];
          const y = take(be, be.conv(xt, wt, l.geometry));
          const dw = take(be, be.convBackpropFilter!(xt, dt, l.geometry, w.shape));
          for (const t of [xt, wt, dt]) be.disposeData(t.dataId);
          return [y, dw];
        });
        expect(outputs[1]).toEqual(outputs[0]);
        expect(outputs[2]).toEqual(outputs[0]);
      }
    } finally {
      for (const be of backends) be.dispose();
    }
  });
});
