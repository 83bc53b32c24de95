// The function transforms: grad, grads, valueAndGrad(s), vjp, variableGrads,
// higher-order gradients, customGrad, stopGradient and noGrad — checked
// against closed-form derivatives and finite differences.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Tensor,
  tensor,
  tidy,
  grad,
  grads,
  valueAndGrad,
  valueAndGrads,
  vjp,
  variableGrads,
  customGrad,
  stopGradient,
  noGrad,
  add,
  mul,
  sub,
  div,
  pow,
  exp,
  sin,
  cos,
  tanh,
  sum,
  square,
  clip,
  matmul,
  ones,
  conv2d,
  maxPool2d,
  sigmoid,
  log,
} from '@gradstream/core';
import { gradcheck, tensorArb, shapeArb } from '@gradstream/core/testing';

const f64 = (values: number[], shape = [values.length]) => tensor(Float64Array.from(values), shape, 'float64');
const vals = (t: Tensor) => Array.from(t.dataSync());

function expectClose(actual: number[], expected: number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]!) <= tol * (1 + Math.abs(expected[i]!))))
      throw new Error(`element ${i}: got ${a}, expected ${expected[i]}`);
  });
}

const vecArb = shapeArb({ minRank: 1, maxRank: 2, maxDim: 4 }).chain((s) =>
  tensorArb(s, 'float64', { min: -3, max: 3 }),
);

describe('higher-order gradients', () => {
  it('grad of grad of x³ is 6x, and the third derivative is 6', () => {
    fc.assert(
      fc.property(vecArb, (spec) =>
        tidy(() => {
          const cube = (x: Tensor) => sum(mul(mul(x, x), x));
          const x = spec.make();
          const d1 = grad(cube)(x);
          const d2 = grad((t) => sum(grad(cube)(t)))(x);
          const d3 = grad((t) => sum(grad((u) => sum(grad(cube)(u)))(t)))(x);
          expectClose(
            vals(d1),
            Array.from(spec.values, (v) => 3 * v * v),
          );
          expectClose(
            vals(d2),
            Array.from(spec.values, (v) => 6 * v),
          );
          expectClose(
            vals(d3),
            Array.from(spec.values, () => 6),
          );
        }),
      ),
      { numRuns: 20 },
    );
  });

  it('second derivatives of sin, exp·tanh and pow match closed forms', () => {
    fc.assert(
      fc.property(vecArb, (spec) =>
        tidy(() => {
          const x = spec.make();
          const dd = (f: (t: Tensor) => Tensor) => vals(grad((t) => sum(grad((u) => sum(f(u)))(t)))(x));
          expectClose(
            dd(sin),
            Array.from(spec.values, (v) => -Math.sin(v)),
          );
          expectClose(
            dd((t) => pow(t, 4)),
            Array.from(spec.values, (v) => 12 * v * v),
            1e-10,
          );
          const sech2 = (v: number) => 1 - Math.tanh(v) ** 2;
          // (tanh)'' = −2 tanh · sech²
          expectClose(
            dd(tanh),
            Array.from(spec.values, (v) => -2 * Math.tanh(v) * sech2(v)),
            1e-10,
          );
        }),
      ),
      { numRuns: 20 },
    );
  });

  it('the gradient of a gradient passes gradcheck (mixed partials of a·b²)', () => {
    fc.assert(
      fc.property(vecArb, vecArb, (a, b) =>
        tidy(() => {
          if (a.values.length !== b.values.length) return true;
          const fb = (x: Tensor, y: Tensor) => grads((p: Tensor, q: Tensor) => sum(mul(p, mul(q, q))))(x, y)[1]!; // 2ab
          return gradcheck(fb, [a.make(), tensor(b.values, a.shape, 'float64')]);
        }),
      ),
      { numRuns: 15 },
    );
  });

  it('second derivative through conv2d and maxPool2d (Hessian-vector product is finite-difference of the gradient)', () => {
    tidy(() => {
      const x = tensor(
        Float64Array.from({ length: 36 }, (_, i) => Math.sin(i * 1.3)),
        [1, 1, 6, 6],
        'float64',
      );
      const w = tensor(
        Float64Array.from({ length: 9 }, (_, i) => Math.cos(i)),
        [1, 1, 3, 3],
        'float64',
      );
      const loss = (t: Tensor) => sum(square(maxPool2d(tanh(conv2d(t, w)), 2)));
      gradcheck((t) => grad(loss)(t), [x], { fast: true });
    });
  });
});

describe('grad, grads, valueAndGrad, vjp, variableGrads', () => {
  it('grads of a·b give [b, a]; valueAndGrads returns the value too', () => {
    tidy(() => {
      const a = f64([1, 2, 3]);
      const b = f64([4, 5, 6]);
      const [da, db] = grads((p, q) => sum(mul(p, q)))(a, b);
      expect(vals(da!)).toEqual([4, 5, 6]);
      expect(vals(db!)).toEqual([1, 2, 3]);
      const { value, grads: g } = valueAndGrads((p, q) => sum(mul(p, q)))([a, b]);
      expect(value.item()).toBe(32);
      expect(vals(g[0]!)).toEqual([4, 5, 6]);
    });
  });
  it('valueAndGrad of Σx² is (Σx², 2x)', () => {
    tidy(() => {
      const { value, grad: g } = valueAndGrad((x) => sum(square(x)))(f64([1, -2, 3]));
      expect(value.item()).toBe(14);
      expect(vals(g)).toEqual([2, -4, 6]);
    });
  });
  it('vjp with a non-scalar function is dyᵀJ', () => {
    fc.assert(
      fc.property(vecArb, (spec) =>
        tidy(() => {
          const x = spec.make();
          const dy = tensor(
            Float64Array.from(spec.values, (_, i) => i - 1),
            x.shape,
            'float64',
          );
          const [dx] = vjp((t) => exp(t), [x], dy);
          expectClose(
            vals(dx!),
            Array.from(spec.values, (v, i) => (i - 1) * Math.exp(v)),
          );
        }),
      ),
      { numRuns: 10 },
    );
  });
  it('an input the function ignores gets a zero gradient of its shape', () => {
    tidy(() => {
      const [, db] = grads((p) => sum(p))(f64([1, 2]), f64([1, 2, 3], [3, 1]));
      expect(db!.shape).toEqual([3, 1]);
      expect(vals(db!)).toEqual([0, 0, 0]);
    });
  });
  it('a tensor used twice accumulates both contributions', () => {
    tidy(() => {
      const x = f64([1, 2]);
      expect(vals(grad((t) => sum(add(mul(t, 3), mul(t, t))))(x))).toEqual([5, 7]);
    });
  });
  it('variableGrads differentiates a closure with respect to its variables', () => {
    tidy(() => {
      const w = f64([1, 2, 3, 4], [2, 2]);
      const xIn = f64([1, 1], [1, 2]);
      const {
        value,
        grads: [dw],
      } = variableGrads(() => sum(matmul(xIn, w)), [w]);
      expect(value.item()).toBe(10);
      expect(vals(dw!)).toEqual([1, 1, 1, 1]);
    });
  });
});

describe('customGrad, stopGradient, noGrad', () => {
  it('customGrad replaces the rule (clipped identity) and its rule is differentiable again', () => {
    tidy(() => {
      const clipped = customGrad((x) => ({ value: mul(x, 1), gradFunc: (dy) => [clip(dy, -1, 1)] }));
      const x = f64([1, 2, 3]);
      const dy = f64([-5, 0.5, 5]);
      expect(vals(vjp((t) => clipped(t), [x], dy)[0]!)).toEqual([-1, 0.5, 1]);
      // A rule written in ops: d/dx of (gradFunc(dy) = dy·cos(x)) for sin is −sin(x)·dy.
      const mySin = customGrad((t) => ({ value: sin(t), gradFunc: (g) => [mul(g, cos(t))] }));
      const d2 = grad((t) => sum(grad((u) => sum(mySin(u)))(t)))(x);
      expectClose(
        vals(d2),
        [1, 2, 3].map((v) => -Math.sin(v)),
      );
    });
  });
  it('customGrad matches finite differences when its rule is right (log-sigmoid)', () => {
    fc.assert(
      fc.property(vecArb, (spec) =>
        tidy(() => {
          const logSig = customGrad((t) => ({ value: logSigmoid(t), gradFunc: (g) => [mul(g, sub(1, sigmoid(t)))] }));
          return gradcheck((t) => logSig(t), [spec.make()]);
        }),
      ),
      { numRuns: 10 },
    );
  });
  it('stopGradient: d/dx x·stop(x) = x, not 2x', () => {
    tidy(() => {
      const x = f64([1, -2, 3]);
      expect(vals(grad((t) => sum(mul(t, stopGradient(t))))(x))).toEqual([1, -2, 3]);
      expect(vals(grad((t) => sum(stopGradient(mul(t, t))))(x))).toEqual([0, 0, 0]);
    });
  });
  it('noGrad: nothing inside is recorded', () => {
    tidy(() => {
      const x = f64([1, 2]);
      const g = grad((t) =>
        add(
          sum(t),
          noGrad(() => sum(mul(t, t))),
        ),
      )(x);
      expect(vals(g)).toEqual([1, 1]);
      expect(noGrad(() => 42)).toBe(42);
    });
  });
  it('gradients of float32 inputs are float32', () => {
    tidy(() => {
      const g = grad((t) => sum(div(t, 2)))(ones([3]));
      expect(g.dtype).toBe('float32');
      expect(vals(g)).toEqual([0.5, 0.5, 0.5]);
    });
  });
});

/** log σ(t) = −log(1 + e^(−t)). */
function logSigmoid(t: Tensor): Tensor {
  return sub(0, log(add(exp(mul(t, -1)), 1)));
}
