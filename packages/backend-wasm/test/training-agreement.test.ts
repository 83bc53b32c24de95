import { describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import { Random, setBackend, setSeed, tensor, tidy, type Tensor } from '@gradstream/core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, crossEntropy } from '@gradstream/core/nn';
import { sgd } from '@gradstream/core/optim';
import { variableGrads } from '@gradstream/core';

/** Deterministic 1×8×8 images of two classes (a bar across, a bar down) with noise. */
function batch(random: Random, n: number): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = random.int(2);
    const at = 1 + random.int(6);
    y[i] = label;
    for (let k = 0; k < 64; k++) x[i * 64 + k] = 0.1 * random.normal();
    for (let j = 0; j < 8; j++) x[i * 64 + (label === 0 ? at * 8 + j : j * 8 + at)]! += 1;
  }
  return { x, y };
}

/** Trains the same seeded CNN for `steps` SGD steps on one backend and returns the losses. */
async function train(backend: string, steps: number): Promise<number[]> {
  await setBackend(backend);
  setSeed(7);
  const model = new Sequential([new Conv2d(1, 4, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(64, 2)]);
  const optimizer = sgd(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const random = new Random(11);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { x, y } = batch(random, 16);
    losses.push(tidy(() => {
      const xs = tensor(x, [16, 1, 8, 8]);
      const ys = tensor(y, [16], 'int32');
      const { value, grads } = variableGrads(() => crossEntropy(model.call(xs) as Tensor, ys), optimizer.params);
      optimizer.step(grads);
      return value.item();
    }));
  }
  optimizer.dispose();
  model.dispose();
  return losses;
}

describe('cpu and wasm train the same network to the same place', () => {
  it('300 SGD steps from the same seed: final losses agree within 1e-3 relative', async () => {
    const onCpu = await train('cpu', 300);
    const onWasm = await train('wasm', 300);
    await setBackend('cpu');
    const last = (xs: number[]): number => xs.slice(-20).reduce((a, b) => a + b, 0) / 20;
    expect(onCpu[0]).toBeCloseTo(onWasm[0]!, 5);
    expect(Math.abs(last(onCpu) - last(onWasm)) / last(onCpu)).toBeLessThan(1e-3);
    expect(last(onCpu)).toBeLessThan(onCpu[0]! / 2);
  });
});
