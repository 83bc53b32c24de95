import { describe, it } from 'vitest';
import type { ConvGeometry } from '@gradstream/core';
import { CONFIGS, check, size, usePair } from './helpers.js';

interface EmptyCase {
  readonly name: string;
  readonly xShape: number[];
  readonly wShape: number[];
  readonly yShape: number[];
  readonly geometry: ConvGeometry;
}

const same3x3 = (groups: number): ConvGeometry => ({
  stride: [1, 1],
  dilation: [1, 1],
  padding: [
    [1, 1],
    [1, 1],
  ],
  groups,
});

/** Convolutions with nothing to sum: their outputs are zeros (or empty), as on cpu. */
const CASES: readonly EmptyCase[] = [
  { name: 'no input channels', xShape: [2, 0, 5, 5], wShape: [3, 0, 3, 3], yShape: [2, 3, 5, 5], geometry: same3x3(1) },
  {
    name: 'no input channels, 2 groups',
    xShape: [2, 0, 4, 4],
    wShape: [4, 0, 3, 3],
    yShape: [2, 4, 4, 4],
    geometry: same3x3(2),
  },
  {
    name: 'no input channels, 1×1 kernel',
    xShape: [3, 0, 4],
    wShape: [5, 0, 1],
    yShape: [3, 5, 4],
    geometry: { stride: [1], dilation: [1], padding: [[0, 0]], groups: 1 },
  },
  {
    name: 'input all padding',
    xShape: [1, 2, 0, 0],
    wShape: [3, 2, 1, 1],
    yShape: [1, 3, 2, 2],
    geometry: same3x3(1),
  },
  {
    name: 'no output channels',
    xShape: [2, 3, 5, 5],
    wShape: [0, 3, 3, 3],
    yShape: [2, 0, 5, 5],
    geometry: same3x3(1),
  },
];

/** Values 1, 2, 3, … so a result that ignored its input could not pass by accident. */
const ramp = (shape: number[]) => ({
  values: Float32Array.from({ length: size(shape) }, (_, i) => i + 1),
  shape,
  dtype: 'float32' as const,
});

describe.each(CONFIGS)('convolutions with an empty reduction (threads $threads, relaxed $relaxedSimd)', (config) => {
  const pair = usePair(config);

  describe.each(CASES)('$name', (c) => {
    it('forward', () => {
      check(pair, [ramp(c.xShape), ramp(c.wShape)], (be, [x, w]) => be.conv(x!, w!, c.geometry));
    });
    it('backprop input', () => {
      check(pair, [ramp(c.yShape), ramp(c.wShape)], (be, [dy, w]) =>
        be.convBackpropInput!(dy!, w!, c.geometry, c.xShape),
      );
    });
    it('backprop filter', () => {
      check(pair, [ramp(c.xShape), ramp(c.yShape)], (be, [x, dy]) =>
        be.convBackpropFilter!(x!, dy!, c.geometry, c.wShape),
      );
    });
  });
});
