// Convolution gradients: gradcheck (finite differences, float64) and
// gradgradcheck over random 1-D/2-D/3-D cases from convCaseArb — kernel 1–5,
// stride 1–3, padding in every form, dilation 1–3, groups — with respect to
// x, w and bias; the full Jacobian on small cases, PyTorch's fast mode on larger.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  type Tensor,
  tensor,
  tidy,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  unfold,
  fold,
  locallyConnected2d,
  tiledConv2d,
  tanh,
} from '@gradstream/core';
import { gradcheck, gradgradcheck, convCaseArb, tensorArb, type ConvCase } from '@gradstream/core/testing';

const convFns = { 1: conv1d, 2: conv2d, 3: conv3d } as const;
const convTFns = { 1: convTranspose1d, 2: convTranspose2d, 3: convTranspose3d } as const;
const caseTensors = (c: ConvCase) => fc.tuple(fc.constant(c), tensorArb(c.xShape), tensorArb(c.wShape));
/** Full Jacobian when x and w are small, fast (projected) mode otherwise. */
const fastFor = (...sizes: number[]) => sizes.reduce((a, b) => a + b, 0) > 80;

describe('conv gradcheck in float64 (w.r.t. x and w)', () => {
  for (const rank of [1, 2, 3] as const) {
    it(`conv${rank}d: random geometry, full Jacobian or fast mode by size`, () => {
      fc.assert(
        fc.property(convCaseArb({ rank }).chain(caseTensors), ([c, xs, ws]) =>
          tidy(() => {
            const f = (x: Tensor, w: Tensor) =>
              convFns[rank](x, w, { stride: c.stride, padding: c.paddingArg, dilation: c.dilation, groups: c.groups });
            return gradcheck(f, [xs.make(), ws.make()], { fast: fastFor(xs.values.length, ws.values.length) });
          }),
        ),
        { numRuns: rank === 3 ? 20 : 30 },
      );
    });
  }

  it('small cases always use the full Jacobian (1-D and 2-D, groups, dilation, stride)', () => {
    const arb = fc
      .constantFrom(1 as const, 2 as const)
      .chain((rank) => convCaseArb({ rank, maxBatch: 1, maxChannels: 1, maxKernel: 3, maxDilation: 2 }))
      .chain(caseTensors)
      .filter(([, xs, ws]) => xs.values.length + ws.values.length <= 60);
    fc.assert(
      fc.property(arb, ([c, xs, ws]) =>
        tidy(() =>
          gradcheck(
            (x, w) =>
              convFns[c.rank](x, w, {
                stride: c.stride,
                padding: c.paddingArg,
                dilation: c.dilation,
                groups: c.groups,
              }),
            [xs.make(), ws.make()],
          ),
        ),
      ),
      { numRuns: 30 },
    );
  });

  it("bias and 'same' padding", () => {
    const arb = convCaseArb({ rank: 2, maxBatch: 1, maxChannels: 1, maxKernel: 3 }).chain((c) =>
      fc.tuple(fc.constant(c), tensorArb(c.xShape), tensorArb(c.wShape), tensorArb([c.wShape[0]!])),
    );
    fc.assert(
      fc.property(arb, ([c, xs, ws, bs]) =>
        tidy(() =>
          gradcheck(
            (x, w, b) => conv2d(x, w, { padding: 'same', dilation: c.dilation, groups: c.groups, bias: b }),
            [xs.make(), ws.make(), bs.make()],
            { fast: fastFor(xs.values.length, ws.values.length) },
          ),
        ),
      ),
      { numRuns: 20 },
    );
  });
});

describe('conv gradgradcheck (second derivatives w.r.t. x and w)', () => {
  for (const rank of [1, 2, 3] as const) {
    it(`conv${rank}d in fast mode on random geometry`, () => {
      fc.assert(
        fc.property(convCaseArb({ rank }).chain(caseTensors), fc.nat(1000), ([c, xs, ws], seed) =>
          tidy(() =>
            gradgradcheck(
              (x, w) =>
                convFns[rank](x, w, {
                  stride: c.stride,
                  padding: c.paddingArg,
                  dilation: c.dilation,
                  groups: c.groups,
                }),
              [xs.make(), ws.make()],
              { fast: true, seed },
            ),
          ),
        ),
        { numRuns: rank === 3 ? 10 : 20 },
      );
    });
  }
  it('conv1d/2d/3d with bias, w.r.t. x, w and bias', () => {
    const arb = convCaseArb({ maxBatch: 1 }).chain((c) =>
      fc.tuple(fc.constant(c), tensorArb(c.xShape), tensorArb(c.wShape), tensorArb([c.wShape[0]!])),
    );
    fc.assert(
      fc.property(arb, fc.nat(1000), ([c, xs, ws, bs], seed) =>
        tidy(() =>
          gradgradcheck(
            (x, w, b) =>
              convFns[c.rank](x, w, {
                stride: c.stride,
                padding: c.paddingArg,
                dilation: c.dilation,
                groups: c.groups,
                bias: b,
              }),
            [xs.make(), ws.make(), bs.make()],
            { fast: true, seed },
          ),
        ),
      ),
      { numRuns: 10 },
    );
  });
  it('conv1d/2d with the full Jacobian on tiny cases', () => {
    const arb = fc
      .constantFrom(1 as const, 2 as const)
      .chain((rank) => convCaseArb({ rank, maxBatch: 1, maxChannels: 1, maxKernel: 2, maxDilation: 2 }))
      .chain(caseTensors)
      .filter(([, xs, ws]) => xs.values.length + ws.values.length <= 24);
    fc.assert(
      fc.property(arb, ([c, xs, ws]) =>
        tidy(() =>
          gradgradcheck(
            (x, w) =>
              convFns[c.rank](x, w, {
                stride: c.stride,
                padding: c.paddingArg,
                dilation: c.dilation,
                groups: c.groups,
              }),
            [xs.make(), ws.make()],
          ),
        ),
      ),
      { numRuns: 15 },
    );
  });
  it('a nonlinearity between two convolutions (nonzero Hessian in x)', () => {
    const arb = convCaseArb({ rank: 2, maxBatch: 1, maxChannels: 2, maxKernel: 3, maxStride: 1 }).chain(caseTensors);
    fc.assert(
      fc.property(arb, ([c, xs, ws]) =>
        tidy(() => {
          const opts = { padding: c.padding, dilation: c.dilation, groups: c.groups };
          const w2 = tensor(
            Float64Array.from({ length: c.wShape[0]! * c.wShape[0]! }, (_, i) => Math.cos(i)),
            [c.wShape[0]!, c.wShape[0]!, 1, 1],
            'float64',
          );
          return gradgradcheck((x, w) => conv2d(tanh(conv2d(x, w, opts)), w2), [xs.make(), ws.make()], { fast: true });
        }),
      ),
      { numRuns: 15 },
    );
  });
});

describe('transposed convolution gradients', () => {
  const arb = (rank: 1 | 2 | 3) =>
    fc
      .record({
        groups: fc.integer({ min: 1, max: 2 }),
        cPer: fc.integer({ min: 1, max: 2 }),
        oPer: fc.integer({ min: 1, max: 2 }),
        dims: fc.array(
          fc
            .record({
              len: fc.integer({ min: 1, max: 3 }),
              k: fc.integer({ min: 1, max: 3 }),
              s: fc.integer({ min: 1, max: 3 }),
              d: fc.integer({ min: 1, max: 2 }),
              p: fc.integer({ min: 0, max: 1 }),
              op: fc.integer({ min: 0, max: 2 }),
            })
            .map((q) => ({ ...q, op: Math.min(q.op, Math.max(q.s, q.d) - 1) })) // outputPadding < stride or < dilation
            .filter((q) => (q.len - 1) * q.s - 2 * q.p + q.d * (q.k - 1) + q.op + 1 > 0),
          { minLength: rank, maxLength: rank },
        ),
      })
      .chain((q) =>
        fc.tuple(
          fc.constant(q),
          tensorArb([1, q.groups * q.cPer, ...q.dims.map((d) => d.len)]),
          tensorArb([q.groups * q.cPer, q.oPer, ...q.dims.map((d) => d.k)]),
        ),
      );
  for (const rank of [1, 2, 3] as const) {
    it(`convTranspose${rank}d gradcheck and gradgradcheck`, () => {
      fc.assert(
        fc.property(arb(rank), ([q, xs, ws]) =>
          tidy(() => {
            const opts = {
              stride: q.dims.map((d) => d.s),
              padding: q.dims.map((d) => d.p),
              dilation: q.dims.map((d) => d.d),
              outputPadding: q.dims.map((d) => d.op),
              groups: q.groups,
            };
            const f = (x: Tensor, w: Tensor) => convTFns[rank](x, w, opts);
            const fast = fastFor(xs.values.length, ws.values.length);
            return (
              gradcheck(f, [xs.make(), ws.make()], { fast }) && gradgradcheck(f, [xs.make(), ws.make()], { fast: true })
            );
          }),
        ),
        { numRuns: rank === 3 ? 10 : 20 },
      );
    });
  }
});

describe('unfold, fold, locally connected and tiled convolution gradients', () => {
  const winArb = fc
    .constantFrom(1 as const, 2 as const, 3 as const)
    .chain((rank) =>
      fc.record({
        c: fc.integer({ min: 1, max: 2 }),
        dims: fc.array(
          fc.record({
            k: fc.integer({ min: 1, max: 3 }),
            s: fc.integer({ min: 1, max: 2 }),
            d: fc.integer({ min: 1, max: 2 }),
            p: fc.integer({ min: 0, max: 1 }),
            extra: fc.integer({ min: 0, max: rank === 3 ? 1 : 2 }),
          }),
          { minLength: rank, maxLength: rank },
        ),
      }),
    )
    .chain((q) =>
      fc.tuple(
        fc.constant(q),
        tensorArb([1, q.c, ...q.dims.map((d) => Math.max(1, d.d * (d.k - 1) + 1 - 2 * d.p) + d.extra)]),
      ),
    );
  it('unfold and fold: gradcheck and gradgradcheck', () => {
    fc.assert(
      fc.property(winArb, ([q, xs]) =>
        tidy(() => {
          const opts = {
            stride: q.dims.map((d) => d.s),
            dilation: q.dims.map((d) => d.d),
            padding: q.dims.map((d) => d.p),
          };
          const kernel = q.dims.map((d) => d.k);
          const x = xs.make();
          const fast = xs.values.length > 60;
          gradcheck((t) => unfold(t, kernel, opts), [x], { fast });
          const cols = unfold(x, kernel, opts);
          const y = tensor(
            Float64Array.from({ length: cols.size }, (_, i) => Math.sin(3 * i)),
            cols.shape,
            'float64',
          );
          gradcheck((t) => fold(t, xs.shape.slice(2), kernel, opts), [y], { fast: y.size > 60 });
          return (
            gradgradcheck((t) => unfold(tanh(t), kernel, opts), [x], { fast: true }) &&
            gradgradcheck((t) => fold(t, xs.shape.slice(2), kernel, opts), [y], { fast: true })
          );
        }),
      ),
      { numRuns: 25 },
    );
  });

  it('locallyConnected2d w.r.t. x, w and bias', () => {
    const arb = fc
      .record({
        c: fc.integer({ min: 1, max: 2 }),
        o: fc.integer({ min: 1, max: 2 }),
        k: fc.integer({ min: 1, max: 2 }),
        s: fc.integer({ min: 1, max: 2 }),
        p: fc.integer({ min: 0, max: 1 }),
        eh: fc.integer({ min: 0, max: 2 }),
        ew: fc.integer({ min: 0, max: 2 }),
      })
      .chain((q) => {
        const h = q.k + q.eh,
          w = q.k + q.ew;
        const oh = Math.floor((h + 2 * q.p - q.k) / q.s) + 1,
          ow = Math.floor((w + 2 * q.p - q.k) / q.s) + 1;
        return fc.tuple(
          fc.constant(q),
          tensorArb([1, q.c, h, w]),
          tensorArb([oh * ow, q.o, q.c * q.k * q.k]),
          tensorArb([q.o]),
        );
      });
    fc.assert(
      fc.property(arb, ([q, xs, ws, bs]) =>
        tidy(
          () =>
            gradcheck(
              (x, w, b) => locallyConnected2d(x, w, q.k, { stride: q.s, padding: q.p, bias: b }),
              [xs.make(), ws.make(), bs.make()],
              { fast: fastFor(xs.values.length, ws.values.length) },
            ) &&
            gradgradcheck(
              (x, w) => locallyConnected2d(x, w, q.k, { stride: q.s, padding: q.p }),
              [xs.make(), ws.make()],
              { fast: true },
            ),
        ),
      ),
      { numRuns: 20 },
    );
  });

  it('tiledConv2d w.r.t. x and the tiled weights (gradients of shared kernels accumulate), first and second order', () => {
    const arb = fc
      .record({
        c: fc.integer({ min: 1, max: 2 }),
        o: fc.integer({ min: 1, max: 2 }),
        k: fc.integer({ min: 1, max: 3 }),
        t: fc.integer({ min: 1, max: 3 }),
        e: fc.integer({ min: 0, max: 3 }),
      })
      .chain((q) =>
        fc.tuple(fc.constant(q), tensorArb([1, q.c, q.k + q.e, q.k + q.e]), tensorArb([q.t, q.t, q.o, q.c, q.k, q.k])),
      );
    fc.assert(
      fc.property(arb, ([q, xs, ws]) =>
        tidy(
          () =>
            gradcheck((x, w) => tiledConv2d(x, w, { tiles: q.t }), [xs.make(), ws.make()], {
              fast: fastFor(xs.values.length, ws.values.length),
            }) && gradgradcheck((x, w) => tiledConv2d(x, w, { tiles: q.t }), [xs.make(), ws.make()], { fast: true }),
        ),
      ),
      { numRuns: 20 },
    );
  });
});
