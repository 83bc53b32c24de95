// Memory accounting: tidy frees what it does not return; grad, valueAndGrad,
// higher-order grads, customGrad and failing calls leave no live tensors.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Tensor, tensor, tidy, keep, memory, grad, grads, valueAndGrad, vjp, customGrad, stopGradient, noGrad,
  add, mul, exp, tanh, sum, mean, matmul, softmax, conv2d, maxPool2d, avgPool2d, ones, randn, zeros, reshape, setSeed, clip,
} from '@gradstream/core';
import { gradcheck, gradgradcheck } from '@gradstream/core/testing';

const live = () => ({ tensors: memory().numTensors, bytes: memory().numBytes });

/** Asserts that fn leaves exactly `extra` more tensors alive (those it returns), then frees them. */
function expectNoLeak(fn: () => Tensor | Tensor[] | void): void {
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
    expect(() => tidy(() => { ones([3]); throw new Error('boom'); })).toThrow('boom');
    expect(live()).toEqual(before);
  });
  it('random op chains inside tidy leave nothing behind', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('add', 'mul', 'exp', 'tanh', 'sum', 'softmax', 'reshape'), { minLength: 1, maxLength: 8 }), (ops) => {
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
    }), { numRuns: 30 });
  });
});

describe('gradients leave no leaked tensors', () => {
  const x = tensor(Float64Array.from([0.5, -1, 2, 0.3, -0.7, 1.1]), [2, 3], 'float64');
  const w = tensor(Float64Array.from([0.2, -0.4, 0.6, 0.1, 0.9, -0.3]), [3, 2], 'float64');
  const loss = (t: Tensor) => mean(tanh(matmul(t, w)));

  it('grad returns only the gradient', () => expectNoLeak(() => grad(loss)(x)));
  it('valueAndGrad returns only the value and the gradient', () => expectNoLeak(() => {
    const { value, grad: g } = valueAndGrad(loss)(x);
    return [value, g];
  }));
  it('grads with an unused argument', () => expectNoLeak(() => grads((a, b) => sum(mul(a, a)))(x, w)));
  it('vjp with a non-scalar function', () => {
    const dy = ones([2, 3], 'float64');
    expectNoLeak(() => vjp((t) => exp(t), [x], dy));
    dy.dispose();
  });
  it('higher-order: grad of grad', () => expectNoLeak(() => grad((t) => sum(grad((u) => sum(mul(mul(u, u), u)))(t)))(x)));
  it('a function returning its own input', () => {
    const s = tensor(new Float64Array([2]), [], 'float64');
    expectNoLeak(() => grad((t) => t)(s));
    expect(s.isDisposed).toBe(false);
    s.dispose();
  });
  it('customGrad, stopGradient and noGrad', () => expectNoLeak(() => {
    const f = customGrad((t) => ({ value: exp(t), gradFunc: (dy) => [mul(dy, exp(t))] }));
    return grad((t) => add(sum(f(t)), add(sum(mul(t, stopGradient(t))), noGrad(() => sum(t)))))(x);
  }));
  it('conv and pooling gradients (first and second order)', () => expectNoLeak(() => {
    const img = tensor(Float64Array.from({ length: 2 * 2 * 6 * 6 }, (_, i) => Math.sin(i)), [2, 2, 6, 6], 'float64');
    const k = tensor(Float64Array.from({ length: 3 * 2 * 3 * 3 }, (_, i) => Math.cos(i)), [3, 2, 3, 3], 'float64');
    const f = (t: Tensor) => sum(mul(maxPool2d(conv2d(t, k, { padding: 1 }), 2), avgPool2d(conv2d(t, k, { padding: 1 }), 2)));
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
    expect(() => grad(() => { mul(x, 3); throw new Error('inside f'); })(x)).toThrow('inside f');
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
