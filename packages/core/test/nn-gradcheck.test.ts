import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import {
  type Tensor,
  noGrad,
  randn,
  setSeed,
  sigmoid,
  sum,
  mul,
  tensor,
  tidy,
  uniform,
  variableGrads,
} from '@gradstream/core';
import { gradcheck } from '@gradstream/core/testing';
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Inception,
  Linear,
  MaxPool2d,
  type Module,
  Parallel,
  ReLU,
  Residual,
  Sequential,
  Tanh,
  assignParameter,
  bce,
  bceWithLogits,
  crossEntropy,
  mse,
  nllLoss,
} from '@gradstream/core/nn';

const f64 = (shape: number[], mean = 0, std = 1): Tensor => randn(shape, mean, std, 'float64');
const int = (v: number[], shape = [v.length]): Tensor => tensor(Int32Array.from(v), shape, 'int32');

/**
 * Central differences for a module's own parameters (gradcheck takes the
 * inputs of a function; a module's parameters live inside it): perturb each
 * element in place and compare with variableGrads of ⟨dy, module(x)⟩.
 */
function paramGradcheck(m: Module, x: Tensor, eps = 1e-6, atol = 1e-5, rtol = 1e-3): void {
  tidy(() => {
    const params = m.parameters();
    const dy = noGrad(() => f64([...m.call(x).shape]));
    const objective = (): Tensor => sum(mul(m.call(x), dy));
    const { grads } = variableGrads(objective, params);
    params.forEach((p, i) => {
      const analytic = grads[i]!.dataSync();
      const base = Float64Array.from(p.dataSync());
      const at = (values: Float64Array): number => {
        assignParameter(p, tensor(values, p.shape, 'float64'));
        return noGrad(() => tidy(() => objective().item()));
      };
      for (let j = 0; j < base.length; j++) {
        const plus = Float64Array.from(base);
        plus[j]! += eps;
        const minus = Float64Array.from(base);
        minus[j]! -= eps;
        const numeric = (at(plus) - at(minus)) / (2 * eps);
        if (Math.abs(analytic[j]! - numeric) > atol + rtol * Math.abs(numeric)) {
          throw new Error(`parameter ${i} element ${j}: analytic ${analytic[j]} vs numeric ${numeric}`);
        }
      }
      at(base);
    });
  });
}

describe('gradcheck (float64)', () => {
  it('BatchNorm2d and BatchNorm1d in train mode, in the input and the parameters', () => {
    setSeed(21);
    const bn2 = new BatchNorm2d(3, { dtype: 'float64' });
    tidy(() => {
      bn2.loadStateDict({ ...Object.fromEntries(bn2.stateDict()), weight: f64([3], 1, 0.5), bias: f64([3]) });
    });
    const x = f64([4, 3, 2, 2], 0.5, 2);
    expect(gradcheck((xi) => bn2.call(xi), [x])).toBe(true);
    paramGradcheck(bn2, x);
    const bn1 = new BatchNorm1d(4, { dtype: 'float64' });
    expect(gradcheck((xi) => bn1.call(xi), [f64([5, 4])])).toBe(true);
    expect(gradcheck((xi) => bn1.call(xi), [f64([3, 4, 2])])).toBe(true);
    paramGradcheck(bn1, f64([5, 4]));
    expect(bn2.training).toBe(true);
  });

  it('every loss', () => {
    setSeed(22);
    const logits = f64([4, 3]);
    const classes = int([0, 2, 1, 2]);
    expect(gradcheck((l) => crossEntropy(l, classes), [logits])).toBe(true);
    expect(gradcheck((l) => crossEntropy(l, classes, { labelSmoothing: 0.2, reduction: 'sum' }), [logits])).toBe(true);
    expect(gradcheck((l) => crossEntropy(l, int([0, 1, 1, 0, 2, 2], [1, 2, 3])), [f64([1, 3, 2, 3])])).toBe(true);
    const probs = uniform([4, 3], 0.1, 0.9, 'float64');
    expect(gradcheck((l, t) => crossEntropy(l, t, { labelSmoothing: 0.1 }), [logits, probs])).toBe(true);
    expect(gradcheck((lp) => nllLoss(lp, classes, { reduction: 'none' }), [logits])).toBe(true);
    expect(gradcheck((a, b) => mse(a, b), [f64([3, 2]), f64([3, 2])])).toBe(true);
    const p = uniform([5], 0.1, 0.9, 'float64');
    const t = uniform([5], 0, 1, 'float64');
    expect(gradcheck((pi, ti) => bce(pi, ti), [p, t])).toBe(true);
    expect(gradcheck((xi, ti) => bceWithLogits(xi, ti, { posWeight: 2.5 }), [f64([5], 0, 3), t])).toBe(true);
    expect(gradcheck((xi) => bceWithLogits(sigmoid(xi), t, { reduction: 'sum' }), [f64([5])])).toBe(true);
  });

  it('Residual blocks, with and without a projection', () => {
    setSeed(23);
    const block = new Residual(
      new Sequential([
        new Conv2d(2, 2, 3, { padding: 1, dtype: 'float64' }),
        new BatchNorm2d(2, { dtype: 'float64' }),
        new Tanh(),
      ]),
    );
    const x = f64([2, 2, 3, 3]);
    expect(gradcheck((xi) => block.call(xi), [x])).toBe(true);
    paramGradcheck(block, x);
    const down = new Residual(new Linear(3, 5, { dtype: 'float64' }), {
      projection: new Linear(3, 5, { bias: false, dtype: 'float64' }),
    });
    expect(gradcheck((xi) => down.call(xi), [f64([4, 3])])).toBe(true);
    paramGradcheck(down, f64([4, 3]));
  });

  it('Parallel (Inception-style) blocks', () => {
    setSeed(24);
    const inception = new Parallel({
      b1: new Conv2d(3, 2, 1, { dtype: 'float64' }),
      b3: new Sequential([
        new Conv2d(3, 2, 1, { dtype: 'float64' }),
        new ReLU(),
        new Conv2d(2, 2, 3, { padding: 1, dtype: 'float64' }),
      ]),
      pool: new MaxPool2d(3, { stride: 1, padding: 1 }),
    });
    const x = f64([2, 3, 4, 4]);
    expect(gradcheck((xi) => inception.call(xi), [x])).toBe(true);
    paramGradcheck(inception, x);
  });

  it('Inception blocks', () => {
    setSeed(25);
    const block = new Inception([
      new Conv2d(2, 2, 1, { dtype: 'float64' }),
      new Sequential([new Conv2d(2, 1, 3, { padding: 1, dtype: 'float64' }), new Tanh()]),
      new AvgPool2d(3, { stride: 1, padding: 1 }),
    ]);
    const x = f64([2, 2, 3, 3]);
    expect(gradcheck((xi) => block.call(xi), [x])).toBe(true);
    paramGradcheck(block, x);
  });
});
