import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { ConvGeometry } from '@gradstream/core';
import { CONFIGS, check, floatData, usePair } from './helpers.js';

/**
 * Layers with small images and enough of them that the kernels batch several
 * images per GEMM and leave a remainder batch (LeNet's two layers, a grouped
 * and a strided variant, a 1-D one), checked against the CPU reference.
 */
interface Layer {
  readonly name: string;
  readonly c: number;
  readonly o: number;
  readonly spatial: readonly number[];
  readonly kernel: readonly number[];
  readonly geometry: ConvGeometry;
}

const geometry = (rank: number, pad: number, stride = 1, groups = 1): ConvGeometry => ({
  stride: new Array<number>(rank).fill(stride),
  dilation: new Array<number>(rank).fill(1),
  padding: new Array(rank).fill([pad, pad] as const),
  groups,
});

const LAYERS: readonly Layer[] = [
  { name: 'LeNet conv1', c: 1, o: 6, spatial: [28, 28], kernel: [5, 5], geometry: geometry(2, 2) },
  { name: 'LeNet conv2', c: 6, o: 16, spatial: [14, 14], kernel: [5, 5], geometry: geometry(2, 0) },
  { name: 'grouped', c: 4, o: 6, spatial: [9, 11], kernel: [3, 3], geometry: geometry(2, 1, 1, 2) },
  { name: 'strided', c: 3, o: 5, spatial: [13, 10], kernel: [3, 2], geometry: geometry(2, 1, 2) },
  { name: '1-D', c: 2, o: 3, spatial: [40], kernel: [5], geometry: geometry(1, 2) },
];

function outSpatial(l: Layer): number[] {
  return l.spatial.map((s, i) => {
    const [before, after] = l.geometry.padding[i]!;
    return Math.floor((s + before + after - l.kernel[i]!) / l.geometry.stride[i]!) + 1;
  });
}

describe.each(CONFIGS)('convolution of many small images (threads $threads, relaxed $relaxedSimd)', (config) => {
  const pair = usePair(config);

  it.each(LAYERS)('$name: forward and both gradients', (l) => {
    const wShape = [l.o, l.c / l.geometry.groups, ...l.kernel];
    fc.assert(
      fc.property(
        fc
          .integer({ min: 7, max: 15 })
          .chain((n) =>
            fc.tuple(
              floatData([n, l.c, ...l.spatial], -1, 1),
              floatData(wShape, -1, 1),
              floatData([n, l.o, ...outSpatial(l)], -1, 1),
            ),
          ),
        ([x, w, dy]) => {
          check(pair, [x, w], (be, [xt, wt]) => be.conv(xt!, wt!, l.geometry), 1e-4, 1e-4);
          check(pair, [dy, w], (be, [dt, wt]) => be.convBackpropInput!(dt!, wt!, l.geometry, x.shape), 1e-4, 1e-4);
          check(pair, [x, dy], (be, [xt, dt]) => be.convBackpropFilter!(xt!, dt!, l.geometry, wShape), 1e-4, 1e-3);
        },
      ),
      { numRuns: 3 },
    );
  });
});
