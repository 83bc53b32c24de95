// The fused optimizer step against core's composition of the same rule, both on this backend:
// the kernel rounds every operation as the composition does, so parameters and state must agree
// to the bit after several steps, for every rule and hyperparameter the kernel takes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '@gradstream/backend-wasm';
import { Random, registerBackend, setBackend, setSeed, sum, mul, tensor, tidy, variableGrads } from '@gradstream/core';
import { Conv2d, Flatten, Linear, ReLU, Sequential } from '@gradstream/core/nn';
import { adam, adamW, sgd, type Optimizer } from '@gradstream/core/optim';
import type { Tensor } from '@gradstream/core';

let fused: WasmBackend;
let composed: WasmBackend;
let fusedCalls = 0;

beforeAll(async () => {
  fused = await createWasmBackend({ threads: 1 });
  const step = fused.optimizerStep.bind(fused);
  fused.optimizerStep = (rule, entries) => {
    fusedCalls++;
    return step(rule, entries);
  };
  composed = await createWasmBackend({ threads: 1 });
  // Without the kernel, core composes the rule from elementwise kernels.
  Object.defineProperty(composed, 'optimizerStep', { value: undefined });
  registerBackend('wasm-fused-step', () => fused);
  registerBackend('wasm-composed-step', () => composed);
});

afterAll(() => {
  fused.dispose();
  composed.dispose();
});

type Make = (params: Tensor[]) => Optimizer;

const CASES: readonly [string, Make][] = [
  ['sgd', (p) => sgd(p, { lr: 0.1 })],
  ['sgd momentum', (p) => sgd(p, { lr: 0.05, momentum: 0.9 })],
  ['sgd nesterov, weight decay', (p) => sgd(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-2 })],
  ['sgd dampening, maximize', (p) => sgd(p, { lr: 0.05, momentum: 0.5, dampening: 0.3, maximize: true })],
  ['adam', (p) => adam(p, { lr: 1e-2 })],
  ['adam weight decay, maximize', (p) => adam(p, { lr: 1e-2, weightDecay: 0.1, maximize: true, eps: 1e-3 })],
  ['adamW', (p) => adamW(p, { lr: 1e-2, betas: [0.8, 0.99] })],
  [
    'two groups, each with its own lr and rule',
    (p) =>
      adam([
        { params: p.slice(0, 2), lr: 1e-3 },
        { params: p.slice(2), lr: 3e-2, weightDecay: 0.05 },
      ]),
  ],
];

/** Trains a small seeded CNN for `steps` steps and returns every parameter and state tensor's values. */
async function train(backend: string, make: Make, steps: number): Promise<Float32Array[]> {
  await setBackend(backend);
  setSeed(3);
  const model = new Sequential([new Conv2d(1, 3, 3), new ReLU(), new Flatten(), new Linear(3 * 4 * 4, 5)]);
  const optimizer = make(model.parameters());
  const random = new Random(9);
  for (let s = 0; s < steps; s++) {
    const x = Float32Array.from({ length: 4 * 36 }, () => random.normal());
    tidy(() => {
      const loss = () =>
        sum(
          mul(
            model.call(tensor(x, [4, 1, 6, 6])),
            tensor(
              Float32Array.from({ length: 20 }, (_, i) => (i % 7) - 3),
              [4, 5],
            ),
          ),
        );
      const { grads } = variableGrads(loss, optimizer.params);
      optimizer.step(grads);
    });
  }
  const state = optimizer.stateDict().state.flatMap((slots) => Object.values(slots));
  const out = [...model.parameters(), ...state].map((t) => t.dataSync() as Float32Array);
  optimizer.dispose();
  model.dispose();
  return out;
}

describe('fused optimizer step', () => {
  for (const [name, make] of CASES) {
    it(`${name}: the same floats as the composed rule after 4 steps`, async () => {
      const calls = fusedCalls;
      const a = await train('wasm-fused-step', make, 4);
      expect(fusedCalls - calls).toBeGreaterThanOrEqual(4);
      const b = await train('wasm-composed-step', make, 4);
      expect(a.length).toBe(b.length);
      expect(a).toEqual(b);
    });
  }

  it('amsgrad composes (the kernel has no third moment)', async () => {
    const calls = fusedCalls;
    const a = await train('wasm-fused-step', (p) => adam(p, { lr: 1e-2, amsgrad: true }), 3);
    expect(fusedCalls).toBe(calls);
    const b = await train('wasm-composed-step', (p) => adam(p, { lr: 1e-2, amsgrad: true }), 3);
    expect(a).toEqual(b);
  });
});
