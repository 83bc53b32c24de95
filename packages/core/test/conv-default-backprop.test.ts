// Core's default convolution backprop kernels, composed from matmul, unfold
// and fold, are what a new backend trains with before it writes its own. They
// run here on a CPU backend stripped of convBackpropInput/convBackpropFilter:
// gradcheck and gradgradcheck in float64 over random geometry, gradients equal
// to the real CPU kernels', a tiny conv net that learns, and the conformance
// suite (whose conv case then compares the composed kernels with the CPU's).
import { CpuBackend } from '@gradstream/backend-cpu';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConvNdOptions,
  type Tensor,
  conv1d,
  conv2d,
  conv3d,
  getBackendName,
  grads,
  mean,
  mul,
  registerBackend,
  setBackend,
  square,
  sub,
  sum,
  tanh,
  tensor,
  tidy,
  valueAndGrads,
} from '@gradstream/core';
import {
  backendConformance,
  convCaseArb,
  gradcheck,
  gradgradcheck,
  tensorArb,
  type ConvCase,
} from '@gradstream/core/testing';

const NAME = 'cpu-composed-conv-backprop';

/** The CPU backend without its two optional conv backprop kernels. */
class ForwardOnlyConvBackend extends CpuBackend {
  override readonly name = NAME;
  constructor() {
    super();
    // Own undefined properties shadow the inherited methods, so core sees the kernels as absent.
    Object.assign(this, { convBackpropInput: undefined, convBackpropFilter: undefined });
  }
}

registerBackend(NAME, () => new ForwardOnlyConvBackend(), { priority: -1 });

let previous: string;
beforeAll(async () => {
  previous = getBackendName();
  await setBackend(NAME);
});
afterAll(async () => {
  await setBackend(previous);
});

const convFns = { 1: conv1d, 2: conv2d, 3: conv3d } as const;
const optsOf = (c: ConvCase): ConvNdOptions => ({
  stride: c.stride,
  padding: c.paddingArg,
  dilation: c.dilation,
  groups: c.groups,
});
const caseTensors = (c: ConvCase) => fc.tuple(fc.constant(c), tensorArb(c.xShape), tensorArb(c.wShape));
/** Several samples and several groups: the composed input gradient's sample-by-sample branch. */
const batchedGroups = (c: ConvCase) => c.xShape[0]! > 1 && c.groups > 1;

it('the stripped backend is active and really lacks the backprop kernels', () => {
  const b = new ForwardOnlyConvBackend();
  expect(getBackendName()).toBe(NAME);
  expect([b.convBackpropInput, b.convBackpropFilter]).toEqual([undefined, undefined]);
});

describe('composed conv backprop: gradcheck and gradgradcheck in float64', () => {
  for (const rank of [1, 2, 3] as const) {
    it(`conv${rank}d over random stride, padding, dilation, groups and batch`, () => {
      fc.assert(
        fc.property(convCaseArb({ rank }).chain(caseTensors), fc.nat(1000), ([c, xs, ws], seed) =>
          tidy(() => {
            const f = (x: Tensor, w: Tensor) => convFns[rank](x, w, optsOf(c));
            return (
              gradcheck(f, [xs.make(), ws.make()], { fast: true, seed }) &&
              gradgradcheck(f, [xs.make(), ws.make()], { fast: true, seed })
            );
          }),
        ),
        { numRuns: rank === 3 ? 6 : 10 },
      );
    });
  }
  it('batch > 1 with groups > 1, full Jacobian on small 1-D/2-D cases', () => {
    const arb = fc
      .constantFrom(1 as const, 2 as const)
      .chain((rank) => convCaseArb({ rank, maxChannels: 1, maxKernel: 3 }))
      .filter(batchedGroups)
      .chain(caseTensors)
      .filter(([, xs, ws]) => xs.values.length + ws.values.length <= 60);
    fc.assert(
      fc.property(arb, ([c, xs, ws]) =>
        tidy(() => gradcheck((x, w) => convFns[c.rank](x, w, optsOf(c)), [xs.make(), ws.make()])),
      ),
      { numRuns: 8 },
    );
  });
});

/** Gradients of Σ r ⊙ conv(x, w), and the gradient of that gradient's sum w.r.t. x, on the active backend, as plain arrays. */
function gradientsOn(c: ConvCase, xv: Float64Array, wv: Float64Array): Float64Array[] {
  return tidy(() => {
    const x = tensor(xv, c.xShape, 'float64');
    const w = tensor(wv, c.wShape, 'float64');
    const f = (a: Tensor, b: Tensor) => {
      const y = convFns[c.rank](a, b, optsOf(c));
      return sum(
        mul(
          y,
          tensor(
            Float64Array.from({ length: y.size }, (_, i) => Math.cos(i)),
            y.shape,
            'float64',
          ),
        ),
      );
    };
    const [dx, dw] = grads(f)(x, w);
    // Differentiating a function of dx with respect to w runs the backward of the backprop-input op.
    const [ddw] = grads((b: Tensor) => sum(square(grads(f)(x, b)[0]!)))(w);
    return [dx!, dw!, ddw!].map((g) => Float64Array.from(g.dataSync()));
  });
}

it('gradients equal those of the CPU kernels (first and second order, 1-D/2-D/3-D, batch > 1 with groups > 1)', async () => {
  const arb = convCaseArb({ maxKernel: 4 }).filter(batchedGroups).chain(caseTensors);
  await fc.assert(
    fc.asyncProperty(arb, async ([c, xs, ws]) => {
      try {
        const composed = gradientsOn(c, xs.values, ws.values);
        await setBackend('cpu');
        const kernels = gradientsOn(c, xs.values, ws.values);
        for (const [i, g] of composed.entries()) {
          for (const [j, v] of g.entries()) {
            const want = kernels[i]![j]!;
            if (!(Math.abs(v - want) <= 1e-10 * (1 + Math.abs(want))))
              throw new Error(`gradient ${i}, element ${j}: composed ${v}, kernel ${want}`);
          }
        }
      } finally {
        await setBackend(NAME);
      }
    }),
    { numRuns: 12 },
  );
});

it('a tiny grouped conv net trained by SGD through the composed kernels lowers its loss', () => {
  tidy(() => {
    const sin = (n: number, shape: number[], scale: number) =>
      tensor(
        Float64Array.from({ length: n }, (_, i) => scale * Math.sin(1.3 * i + 0.4)),
        shape,
        'float64',
      );
    const x = sin(4 * 2 * 6 * 6, [4, 2, 6, 6], 1);
    const target = sin(4 * 1 * 3 * 3, [4, 1, 3, 3], 0.5);
    let w1 = sin(4 * 1 * 3 * 3, [4, 1, 3, 3], 0.3);
    let w2 = sin(1 * 4 * 2 * 2, [1, 4, 2, 2], 0.3);
    const loss = (a: Tensor, b: Tensor) =>
      mean(
        square(
          sub(
            conv2d(tanh(conv2d(x, a, { padding: 'same', groups: 2 })), b, {
              stride: 2,
              dilation: 2,
              padding: [
                [0, 1],
                [1, 0],
              ],
            }),
            target,
          ),
        ),
      );
    const losses: number[] = [];
    for (let step = 0; step < 15; step++) {
      const {
        value,
        grads: [g1, g2],
      } = valueAndGrads(loss)(w1, w2);
      losses.push(value.dataSync()[0]!);
      w1 = sub(w1, mul(g1!, 0.5));
      w2 = sub(w2, mul(g2!, 0.5));
    }
    expect(losses.at(-1)!).toBeLessThan(0.7 * losses[0]!);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
  });
});

describe('backendConformance on the stripped backend', () => {
  for (const c of backendConformance(NAME, { numRuns: 5 })) it(c.kernel, c.run);
});
