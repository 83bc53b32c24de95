// Memory accounting: tidy frees what it does not return; grad, valueAndGrad,
// higher-order grads, customGrad and failing calls leave no live tensors.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Tensor,
  tensor,
  tidy,
  keep,
  memory,
  grad,
  grads,
  valueAndGrad,
  vjp,
  customGrad,
  stopGradient,
  noGrad,
  add,
  mul,
  exp,
  tanh,
  sum,
  mean,
  matmul,
  softmax,
  conv2d,
  maxPool2d,
  avgPool2d,
  ones,
  randn,
  zeros,
  reshape,
  setSeed,
  clip,
  sub,
  div,
  pow,
  neg,
  log,
  sqrt,
  abs,
  sigmoid,
  relu,
  leakyRelu,
  maximum,
  minimum,
  where,
  greater,
  max,
  min,
  variance,
  transpose,
  slice,
  concat,
  stack,
  pad,
  gather,
  cast,
  logSoftmax,
  square,
  rsqrt,
  reciprocal,
  expm1,
  log1p,
  sin,
  cos,
  broadcastTo,
  conv1d,
  conv3d,
  convTranspose2d,
  unfold,
  fold,
  locallyConnected2d,
  tiledConv2d,
  maxPool1d,
  maxPool3d,
  avgPool1d,
  avgPool3d,
  lpPool1d,
  lpPool2d,
  globalAvgPool,
  globalMaxPool,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveMaxPool2d,
  maxUnpool2d,
  fractionalMaxPool2d,
  maxout,
  logSumExp,
  findBackend,
} from '@gradstream/core';
import { gradcheck, gradgradcheck } from '@gradstream/core/testing';

const live = () => ({ tensors: memory().numTensors, bytes: memory().numBytes });

/** Asserts that fn leaves exactly `extra` more tensors alive (those it returns), then frees them. */
function expectNoLeak(fn: () => Tensor | Tensor[] | undefined): void {
  const before = live();
  const out = fn();
  const outs = out === undefined ? [] : Array.isArray(out) ? out : [out];
  const unique = new Set(outs);
  expect(memory().numTensors - before.tensors).toBe(unique.size);
  for (const t of unique) t.dispose();
  expect(live()).toEqual(before);
}

describe('tidy', () => {
  it('frees every tensor made inside and not returned (memory before = after)', () => {
    const before = live();
    const x = ones([4, 4]);
    const y = tidy(() => {
      const a = mul(x, 2);
      const b = exp(a);
      const c = reshape(b, [16]); // an alias of b's storage
      return { result: sum(c), dropped: undefined };
    }).result;
    expect(memory().numTensors).toBe(before.tensors + 2); // x and y
    y.dispose();
    x.dispose();
    expect(live()).toEqual(before);
  });
  it('returned tensors in arrays, objects and Maps survive; keep() outlives nested scopes', () => {
    const before = live();
    let kept: Tensor | undefined;
    const out = tidy(() => {
      const inner = tidy(() => {
        kept = keep(ones([2]));
        return [zeros([1]), { z: ones([3]) }];
      });
      const m = new Map([['k', ones([5])]]);
      zeros([7]); // dropped
      return { inner, m };
    });
    expect(memory().numTensors).toBe(before.tensors + 4);
    (out.inner[0] as Tensor).dispose();
    (out.inner[1] as { z: Tensor }).z.dispose();
    out.m.get('k')!.dispose();
    kept!.dispose();
    expect(live()).toEqual(before);
  });
  it('frees everything when fn throws', () => {
    const before = live();
    expect(() =>
      tidy(() => {
        ones([3]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(live()).toEqual(before);
  });
  it('random op chains inside tidy leave nothing behind', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('add', 'mul', 'exp', 'tanh', 'sum', 'softmax', 'reshape'), {
          minLength: 1,
          maxLength: 8,
        }),
        (ops) => {
          const before = live();
          tidy(() => {
            let t = ones([2, 3]);
            for (const op of ops) {
              if (op === 'add') t = add(t, 1);
              else if (op === 'mul') t = mul(t, t);
              else if (op === 'exp') t = exp(clip(t, -3, 3));
              else if (op === 'tanh') t = tanh(t);
              else if (op === 'sum') t = sum(t, -1, { keepDims: true });
              else if (op === 'softmax') t = softmax(t);
              else t = reshape(t, [-1]);
            }
            return undefined;
          });
          expect(live()).toEqual(before);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('gradients leave no leaked tensors', () => {
  const x = tensor(Float64Array.from([0.5, -1, 2, 0.3, -0.7, 1.1]), [2, 3], 'float64');
  const w = tensor(Float64Array.from([0.2, -0.4, 0.6, 0.1, 0.9, -0.3]), [3, 2], 'float64');
  const loss = (t: Tensor) => mean(tanh(matmul(t, w)));

  it('grad returns only the gradient', () => expectNoLeak(() => grad(loss)(x)));
  it('valueAndGrad returns only the value and the gradient', () =>
    expectNoLeak(() => {
      const { value, grad: g } = valueAndGrad(loss)(x);
      return [value, g];
    }));
  it('grads with an unused argument', () => expectNoLeak(() => grads((a, _b) => sum(mul(a, a)))(x, w)));
  it('vjp with a non-scalar function', () => {
    const dy = ones([2, 3], 'float64');
    expectNoLeak(() => vjp((t) => exp(t), [x], dy));
    dy.dispose();
  });
  it('higher-order: grad of grad', () =>
    expectNoLeak(() => grad((t) => sum(grad((u) => sum(mul(mul(u, u), u)))(t)))(x)));
  it('a function returning its own input', () => {
    const s = tensor(new Float64Array([2]), [], 'float64');
    expectNoLeak(() => grad((t) => t)(s));
    expect(s.isDisposed).toBe(false);
    s.dispose();
  });
  it('customGrad, stopGradient and noGrad', () =>
    expectNoLeak(() => {
      const f = customGrad((t) => ({ value: exp(t), gradFunc: (dy) => [mul(dy, exp(t))] }));
      return grad((t) =>
        add(
          sum(f(t)),
          add(
            sum(mul(t, stopGradient(t))),
            noGrad(() => sum(t)),
          ),
        ),
      )(x);
    }));
  it('conv and pooling gradients (first and second order)', () =>
    expectNoLeak(() => {
      const img = tensor(
        Float64Array.from({ length: 2 * 2 * 6 * 6 }, (_, i) => Math.sin(i)),
        [2, 2, 6, 6],
        'float64',
      );
      const k = tensor(
        Float64Array.from({ length: 3 * 2 * 3 * 3 }, (_, i) => Math.cos(i)),
        [3, 2, 3, 3],
        'float64',
      );
      const f = (t: Tensor) =>
        sum(mul(maxPool2d(conv2d(t, k, { padding: 1 }), 2), avgPool2d(conv2d(t, k, { padding: 1 }), 2)));
      const g1 = grad(f)(img);
      const g2 = grad((t) => sum(mul(grad(f)(t), g1)))(img);
      img.dispose();
      k.dispose();
      return [g1, g2];
    }));
  it('a grad call that throws frees what it made', () => {
    const before = live();
    expect(() => grad((t) => mul(t, 2))(x)).toThrow(); // non-scalar without dy
    const bad = customGrad((t) => ({ value: mul(t, 1), gradFunc: () => [ones([9])] }));
    expect(() => grad((t) => sum(bad(t)))(x)).toThrow();
    expect(() =>
      grad(() => {
        mul(x, 3);
        throw new Error('inside f');
      })(x),
    ).toThrow('inside f');
    expect(live()).toEqual(before);
  });
  it('gradcheck and gradgradcheck leave nothing behind', () => {
    const before = live();
    gradcheck(loss, [x]);
    gradgradcheck(loss, [x]);
    expect(live()).toEqual(before);
  });
  it('many training-like steps keep live tensors and bytes flat', () => {
    setSeed(3);
    let p = randn([3, 2], 0, 1, 'float64');
    const data = randn([4, 3], 0, 1, 'float64');
    const before = live();
    for (let step = 0; step < 200; step++) {
      const next = tidy(() => {
        const g = grad((q) => mean(mul(tanh(matmul(data, q)), tanh(matmul(data, q)))))(p);
        return add(p, mul(g, -0.1));
      });
      p.dispose();
      p = next;
      if (step === 10) expect(live()).toEqual(before);
    }
    expect(live()).toEqual(before);
  });
});

describe('every op: first- and second-order gradients leave no live tensors', () => {
  const v = (n: number, shift = 0) => Float64Array.from({ length: n }, (_, i) => 0.3 + ((i * 7 + shift) % 11) / 10);
  const t = (shape: number[], shift = 0) =>
    tensor(
      v(
        shape.reduce((a, b) => a * b, 1),
        shift,
      ),
      shape,
      'float64',
    );
  const idx = tensor(new Int32Array([2, 0, 2]), [3], 'int32');
  const ops: [string, number[], (x: Tensor) => Tensor][] = [
    ['add', [2, 3], (x) => add(x, 1)],
    ['sub', [2, 3], (x) => sub(1, x)],
    ['mul', [2, 3], (x) => mul(x, x)],
    ['div', [2, 3], (x) => div(1, x)],
    ['pow', [2, 3], (x) => pow(x, x)],
    ['neg', [2, 3], neg],
    ['exp', [2, 3], exp],
    ['log', [2, 3], log],
    ['sqrt', [2, 3], sqrt],
    ['abs', [2, 3], abs],
    ['tanh', [2, 3], tanh],
    ['sigmoid', [2, 3], sigmoid],
    ['relu', [2, 3], relu],
    ['leakyRelu', [2, 3], (x) => leakyRelu(sub(x, 1))],
    ['maximum', [2, 3], (x) => maximum(x, 0.7)],
    ['minimum', [2, 3], (x) => minimum(x, 0.7)],
    ['where', [2, 3], (x) => where(greater(x, 0.7), x, mul(x, 2))],
    ['max', [2, 3], (x) => max(x, 1)],
    ['min', [2, 3], (x) => min(x, 0, { keepDims: true })],
    ['mean', [2, 3], (x) => mean(x, 1)],
    ['variance', [2, 3], (x) => variance(x, 1)],
    ['matmul', [2, 3], (x) => matmul(x, x, { transposeB: true })],
    ['reshape', [2, 3], (x) => reshape(x, [3, 2])],
    ['transpose', [2, 3], (x) => transpose(x)],
    ['slice', [2, 3], (x) => slice(x, [0, 1], [2, 2])],
    ['concat', [2, 3], (x) => concat([x, x], 1)],
    ['stack', [2, 3], (x) => stack([x, x])],
    [
      'pad',
      [2, 3],
      (x) =>
        pad(x, [
          [1, 0],
          [0, 2],
        ]),
    ],
    ['gather', [3, 2], (x) => gather(x, idx)],
    ['cast', [2, 3], (x) => cast(cast(x, 'float32'), 'float64')],
    ['softmax', [2, 3], (x) => softmax(x)],
    ['logSoftmax', [2, 3], (x) => logSoftmax(x, 0)],
    ['logSumExp', [2, 3], (x) => logSumExp(x)],
    ['square', [2, 3], square],
    ['rsqrt', [2, 3], rsqrt],
    ['reciprocal', [2, 3], reciprocal],
    ['expm1', [2, 3], expm1],
    ['log1p', [2, 3], log1p],
    ['sin', [2, 3], sin],
    ['cos', [2, 3], cos],
    ['clip', [2, 3], (x) => clip(x, 0.5, 1)],
    ['broadcastTo', [2, 1], (x) => broadcastTo(x, [3, 2, 4])],
    ['conv1d', [1, 2, 5], (x) => conv1d(x, t([2, 1, 2]), { groups: 2, padding: 1 })],
    ['conv2d', [1, 2, 5, 5], (x) => conv2d(x, t([3, 2, 3, 3]), { stride: 2, padding: 'valid', bias: t([3]) })],
    ['conv3d', [1, 1, 3, 3, 3], (x) => conv3d(x, t([2, 1, 2, 2, 2]), { dilation: 2 })],
    ['convTranspose2d', [1, 2, 3, 3], (x) => convTranspose2d(x, t([2, 2, 2, 2]), { stride: 2 })],
    ['unfold/fold', [1, 1, 4, 4], (x) => fold(mul(unfold(x, 2), 2), [4, 4], 2)],
    ['locallyConnected2d', [1, 1, 3, 3], (x) => locallyConnected2d(x, t([4, 2, 4]), 2)],
    ['tiledConv2d', [1, 1, 4, 4], (x) => tiledConv2d(x, t([2, 2, 1, 1, 2, 2]), { tiles: 2 })],
    ['maxPool1d', [1, 1, 6], (x) => maxPool1d(x, 2)],
    ['maxPool2d', [1, 1, 4, 4], (x) => maxPool2d(x, 3, { stride: 1, padding: 1 })],
    ['maxPool3d', [1, 1, 2, 2, 2], (x) => maxPool3d(x, 2)],
    ['avgPool1d', [1, 1, 5], (x) => avgPool1d(x, 2, { ceilMode: true })],
    ['avgPool2d', [1, 1, 4, 4], (x) => avgPool2d(x, 2)],
    ['avgPool3d', [1, 1, 2, 2, 2], (x) => avgPool3d(x, 2, { padding: 1 })],
    ['lpPool1d', [1, 1, 6], (x) => lpPool1d(x, 2, 3)],
    ['lpPool2d', [1, 1, 4, 4], (x) => lpPool2d(x, 3, 2)],
    ['globalAvgPool', [1, 2, 2, 2], globalAvgPool],
    ['globalMaxPool', [1, 2, 2, 2], globalMaxPool],
    ['adaptiveAvgPool2d', [1, 1, 5, 5], (x) => adaptiveAvgPool2d(x, 3)],
    ['adaptiveAvgPool3d', [1, 1, 3, 5, 4], (x) => adaptiveAvgPool3d(x, [2, 3, 3])],
    ['adaptiveMaxPool2d', [1, 2, 5, 5], (x) => adaptiveMaxPool2d(x, 3)],
    ['fractionalMaxPool2d', [1, 2, 5, 5], (x) => fractionalMaxPool2d(x, 2, { outputSize: 3 })],
    ['avgPool2d divisorOverride', [1, 1, 5, 5], (x) => avgPool2d(x, 3, { padding: 1, divisorOverride: 4 })],
    [
      'maxPool2d returnIndices + maxUnpool2d',
      [1, 2, 4, 4],
      (x) => {
        const [y, i] = maxPool2d(x, 2, { returnIndices: true });
        return maxUnpool2d(y, i, 2);
      },
    ],
    [
      'pad reflect/replicate/circular',
      [2, 3],
      (x) =>
        pad(
          pad(
            pad(
              x,
              [
                [1, 1],
                [2, 0],
              ],
              { mode: 'reflect' },
            ),
            [
              [0, 2],
              [1, 1],
            ],
            { mode: 'replicate' },
          ),
          [
            [1, 0],
            [0, 3],
          ],
          { mode: 'circular' },
        ),
    ],
    ['maxout', [1, 4, 2, 2], (x) => maxout(x, 2)],
  ];
  for (const [name, shape, f] of ops) {
    it(name, () => {
      const x = t(shape);
      const before = live();
      const backendBefore = findBackend('cpu')!.memory();
      tidy(() => f(x)).dispose();
      expect(live()).toEqual(before);
      // the backend's own count agrees: no kernel temporaries (pool indices, conv scratch) outlive the op
      expect(findBackend('cpu')!.memory()).toEqual(backendBefore);
      const before2 = live();
      const { value, grad: g1 } = valueAndGrad((u) => sum(square(f(u))))(x);
      const g2 = grad((u) => sum(mul(grad((w) => sum(square(f(w))))(u), g1)))(x);
      expect(memory().numTensors).toBe(before2.tensors + 3);
      value.dispose();
      g1.dispose();
      g2.dispose();
      expect(live()).toEqual(before2);
      expect(findBackend('cpu')!.memory()).toEqual(backendBefore);
      x.dispose();
    });
  }
});
