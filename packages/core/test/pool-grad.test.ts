// Pooling gradients: gradcheck (finite differences, float64) and
// gradgradcheck w.r.t. x over random 1-D/2-D/3-D cases from poolCaseArb
// (kernel 1–5, stride 1–3, padding ≤ kernel/2, dilation 1–3, ceilMode);
// the full Jacobian on small inputs, PyTorch's fast mode on larger ones.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  type Tensor,
  tensor,
  tidy,
  square,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  lpPool1d,
  lpPool2d,
  lpPool3d,
  globalAvgPool,
  globalMaxPool,
  adaptiveAvgPool2d,
  maxout,
} from '@gradstream/core';
import { gradcheck, gradgradcheck, poolCaseArb, tensorArb, type PoolCase } from '@gradstream/core/testing';

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const maxFns = { 1: maxPool1d, 2: maxPool2d, 3: maxPool3d } as const;
const avgFns = { 1: avgPool1d, 2: avgPool2d, 3: avgPool3d } as const;
const lpFns = { 1: lpPool1d, 2: lpPool2d, 3: lpPool3d } as const;
const FULL_LIMIT = 100;

/** Values that are all different, at least 4/n apart: max pooling has one winner per window, far from a tie. */
function distinctArb(shape: number[]): fc.Arbitrary<{ shape: number[]; values: Float64Array; make: () => Tensor }> {
  const n = sizeOf(shape);
  return fc.integer().map((seed) => {
    const perm = Array.from({ length: n }, (_, i) => i);
    let st = seed >>> 0 || 1;
    for (let i = n - 1; i > 0; i--) {
      st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
      const j = st % (i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const values = Float64Array.from(perm, (v) => (v - n / 2) * (4 / n));
    return { shape, values, make: () => tensor(values, shape, 'float64') };
  });
}

const poolOpts = (c: PoolCase) => ({
  stride: c.stride,
  padding: c.padding,
  dilation: c.dilation,
  ceilMode: c.ceilMode,
});

describe('max pooling: gradcheck and gradgradcheck in float64', () => {
  for (const rank of [1, 2, 3] as const) {
    it(`maxPool${rank}d`, () => {
      const arb = poolCaseArb({ rank }).chain((c) => fc.tuple(fc.constant(c), distinctArb(c.xShape)));
      fc.assert(
        fc.property(arb, fc.nat(1000), ([c, xs], seed) =>
          tidy(() => {
            const f = (x: Tensor) => maxFns[rank](x, c.kernel, poolOpts(c));
            const fast = xs.values.length > FULL_LIMIT;
            return gradcheck(f, [xs.make()], { fast, seed }) && gradgradcheck(f, [xs.make()], { fast: true, seed });
          }),
        ),
        { numRuns: rank === 3 ? 20 : 30 },
      );
    });
  }
  it('maxPool1d/2d full Jacobian and full gradgradcheck on small inputs', () => {
    const arb = fc
      .constantFrom(1 as const, 2 as const)
      .chain((rank) => poolCaseArb({ rank, maxBatch: 1, maxChannels: 2 }))
      .filter((c) => sizeOf(c.xShape) <= 30)
      .chain((c) => fc.tuple(fc.constant(c), distinctArb(c.xShape)));
    fc.assert(
      fc.property(arb, ([c, xs]) =>
        tidy(() => {
          const f = (x: Tensor) => square(maxFns[c.rank as 1 | 2](x, c.kernel, poolOpts(c)));
          return gradcheck(f, [xs.make()]) && gradgradcheck(f, [xs.make()]);
        }),
      ),
      { numRuns: 20 },
    );
  });
});

describe('average pooling: gradcheck and gradgradcheck in float64', () => {
  for (const rank of [1, 2, 3] as const) {
    it(`avgPool${rank}d (countIncludePad both ways, ceilMode)`, () => {
      const arb = poolCaseArb({ rank })
        .map((c) => ({ ...c, dilation: c.dilation.map(() => 1) }))
        .chain((c) => fc.tuple(fc.constant(c), tensorArb(c.xShape), fc.boolean()));
      fc.assert(
        fc.property(arb, fc.nat(1000), ([c, xs, countIncludePad], seed) =>
          tidy(() => {
            const f = (x: Tensor) =>
              avgFns[rank](x, c.kernel, {
                stride: c.stride,
                padding: c.padding,
                ceilMode: c.ceilMode,
                countIncludePad,
              });
            const fast = xs.values.length > FULL_LIMIT;
            return (
              gradcheck(f, [xs.make()], { fast, seed }) &&
              gradgradcheck((x) => square(f(x)), [xs.make()], { fast: true, seed })
            );
          }),
        ),
        { numRuns: rank === 3 ? 20 : 30 },
      );
    });
  }
});

describe('Lp, global, adaptive pooling and maxout gradients', () => {
  it('lpPool1d/2d/3d with positive inputs', () => {
    const arb = fc
      .constantFrom(1 as const, 2 as const, 3 as const)
      .chain((rank) => poolCaseArb({ rank, maxBatch: 1, maxChannels: 2 }))
      .map((c) => ({ ...c, padding: c.padding.map(() => 0), dilation: c.dilation.map(() => 1) }))
      .filter((c) => c.xShape.slice(2).every((n, i) => n >= c.kernel[i]!))
      .chain((c) =>
        fc.tuple(fc.constant(c), tensorArb(c.xShape, 'float64', { min: 0.3, max: 2 }), fc.constantFrom(1, 2, 3, 1.5)),
      );
    fc.assert(
      fc.property(arb, ([c, xs, p]) =>
        tidy(() => {
          const f = (x: Tensor) => lpFns[c.rank](x, p, c.kernel, { stride: c.stride, ceilMode: c.ceilMode });
          const fast = xs.values.length > FULL_LIMIT;
          return gradcheck(f, [xs.make()], { fast }) && gradgradcheck(f, [xs.make()], { fast: true });
        }),
      ),
      { numRuns: 25 },
    );
  });

  it('globalAvgPool and globalMaxPool (max squared for gradgradcheck, as it is piecewise linear)', () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 5 })
      .chain((s) => fc.tuple(tensorArb(s), distinctArb(s)));
    fc.assert(
      fc.property(arb, ([a, b]) =>
        tidy(
          () =>
            gradcheck(globalAvgPool, [a.make()], { fast: a.values.length > FULL_LIMIT }) &&
            gradcheck(globalMaxPool, [b.make()], { fast: b.values.length > FULL_LIMIT }) &&
            gradgradcheck(globalAvgPool, [a.make()], { fast: true }) &&
            gradgradcheck((x) => square(globalMaxPool(x)), [b.make()], { fast: true }),
        ),
      ),
      { numRuns: 20 },
    );
  });

  it('adaptiveAvgPool2d, divisible and non-divisible sizes', () => {
    const arb = fc
      .record({
        c: fc.integer({ min: 1, max: 2 }),
        h: fc.integer({ min: 1, max: 7 }),
        w: fc.integer({ min: 1, max: 7 }),
        oh: fc.integer({ min: 1, max: 4 }),
        ow: fc.integer({ min: 1, max: 4 }),
      })
      .chain((q) => fc.tuple(fc.constant(q), tensorArb([1, q.c, q.h, q.w])));
    fc.assert(
      fc.property(arb, ([q, xs]) =>
        tidy(() => {
          const f = (x: Tensor) => adaptiveAvgPool2d(x, [q.oh, q.ow]);
          return (
            gradcheck(f, [xs.make()], { fast: xs.values.length > FULL_LIMIT }) &&
            gradgradcheck((x) => square(f(x)), [xs.make()], { fast: true })
          );
        }),
      ),
      { numRuns: 25 },
    );
  });

  it('maxout', () => {
    const arb = fc
      .record({
        g: fc.integer({ min: 1, max: 3 }),
        pieces: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 1, max: 3 }),
      })
      .chain((q) => fc.tuple(fc.constant(q), distinctArb([1, q.g * q.pieces, q.h, q.h])));
    fc.assert(
      fc.property(arb, ([q, xs]) =>
        tidy(
          () =>
            gradcheck((x) => maxout(x, q.pieces), [xs.make()]) &&
            gradgradcheck((x) => square(maxout(x, q.pieces)), [xs.make()], { fast: true }),
        ),
      ),
      { numRuns: 20 },
    );
  });
});
