import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { ConvGeometry } from '@gradstream/core';
import { convCase } from './conv-cases.js';
import { CONFIGS, RUNS, check, floatData, usePair } from './helpers.js';

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
