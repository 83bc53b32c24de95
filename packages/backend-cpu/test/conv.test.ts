import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, dot, expectClose, put, randomValues, sizeOf, take } from './helpers.js';
import { convCaseArb, refConv } from './reference.js';

describe('conv', () => {
  it('forward, backprop-input and backprop-filter match the direct loops (rank 1–3, stride, padding, dilation, groups)', () => {
    fc.assert(
      fc.property(convCaseArb, fc.nat(), (c, seed) => {
        const xv = randomValues(sizeOf(c.xShape), seed);
        const wv = randomValues(sizeOf(c.wShape), seed + 1);
        const dyv = randomValues(sizeOf(c.yShape), seed + 2);
        const ref = refConv(c, xv, wv, dyv);
        const x = put(xv, c.xShape, c.dtype);
        const w = put(wv, c.wShape, c.dtype);
        const dy = put(dyv, c.yShape, c.dtype);

        const y = backend.conv(x, w, c.geometry);
        expect(y.shape).toEqual(c.yShape);
        expect(y.dtype).toBe(c.dtype);
        expectClose(take(y), ref.y, c.dtype);

        const dx = backend.convBackpropInput(dy, w, c.geometry, c.xShape);
        expect(dx.shape).toEqual(c.xShape);
        expectClose(take(dx), ref.dx, c.dtype);

        const dw = backend.convBackpropFilter(x, dy, c.geometry, c.wShape);
        expect(dw.shape).toEqual(c.wShape);
        expectClose(take(dw), ref.dw, c.dtype);
        take(x);
        take(w);
        take(dy);
      }),
      { numRuns: 50 },
    );
  });

  it('backprop kernels are adjoints of the forward: <conv(x,w), dy> = <x, dx> = <w, dw>', () => {
    fc.assert(
      fc.property(convCaseArb, fc.nat(), (c, seed) => {
        const xv = randomValues(sizeOf(c.xShape), seed);
        const wv = randomValues(sizeOf(c.wShape), seed + 1);
        const dyv = randomValues(sizeOf(c.yShape), seed + 2);
        const x = put(xv, c.xShape);
        const w = put(wv, c.wShape);
        const dy = put(dyv, c.yShape);
        const lhs = dot(take(backend.conv(x, w, c.geometry)), dyv);
        const viaInput = dot(xv, take(backend.convBackpropInput(dy, w, c.geometry, c.xShape)));
        const viaFilter = dot(wv, take(backend.convBackpropFilter(x, dy, c.geometry, c.wShape)));
        expect(viaInput).toBeCloseTo(lhs, 9);
        expect(viaFilter).toBeCloseTo(lhs, 9);
        take(x);
        take(w);
        take(dy);
      }),
      { numRuns: 30 },
    );
  });

  it('handles pointwise, depthwise and multi-block shapes', () => {
    const cases = [
      // 1×1 conv: x is used directly as the im2col matrix.
      { xShape: [2, 6, 5, 4], wShape: [4, 3, 1, 1], groups: 2, pad: 0, stride: 1 },
      // Depthwise with channel multiplier 2.
      { xShape: [2, 3, 7, 6], wShape: [6, 1, 3, 3], groups: 3, pad: 1, stride: 2 },
      // GEMM K beyond one 256-deep block (32·3·3 = 288) and M beyond 96 rows.
      { xShape: [1, 32, 6, 6], wShape: [100, 32, 3, 3], groups: 1, pad: 1, stride: 1 },
    ];
    for (const [i, s] of cases.entries()) {
      const geometry = {
        stride: [s.stride, s.stride],
        dilation: [1, 1],
        padding: [
          [s.pad, s.pad],
          [s.pad, s.pad],
        ] as const,
        groups: s.groups,
      };
      const out = (d: number, k: number) => Math.floor((d + 2 * s.pad - k) / s.stride) + 1;
      const yShape = [s.xShape[0]!, s.wShape[0]!, out(s.xShape[2]!, s.wShape[2]!), out(s.xShape[3]!, s.wShape[3]!)];
      const c = { dtype: 'float32' as const, xShape: s.xShape, wShape: s.wShape, geometry, yShape };
      const xv = randomValues(sizeOf(c.xShape), 10 * i);
      const wv = randomValues(sizeOf(c.wShape), 10 * i + 1);
      const dyv = randomValues(sizeOf(yShape), 10 * i + 2);
      const ref = refConv(c, xv, wv, dyv);
      const [x, w, dy] = [put(xv, c.xShape, 'float32'), put(wv, c.wShape, 'float32'), put(dyv, yShape, 'float32')];
      expectClose(take(backend.conv(x, w, geometry)), ref.y, 'float32');
      expectClose(take(backend.convBackpropInput(dy, w, geometry, c.xShape)), ref.dx, 'float32');
      expectClose(take(backend.convBackpropFilter(x, dy, geometry, c.wShape)), ref.dw, 'float32');
      take(x);
      take(w);
      take(dy);
    }
  });
});
