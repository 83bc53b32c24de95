import { afterAll, describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { createWasmBackend, type WasmBackend } from '@gradstream/backend-wasm';
import { Random, registerBackend, setBackend, setSeed, tensor, tidy, type Tensor } from '@gradstream/core';
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
  const model = new Sequential([
    new Conv2d(1, 4, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(64, 2),
  ]);
  const optimizer = sgd(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const random = new Random(11);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { x, y } = batch(random, 16);
    losses.push(
      tidy(() => {
        const xs = tensor(x, [16, 1, 8, 8]);
        const ys = tensor(y, [16], 'int32');
        const { value, grads } = variableGrads(() => crossEntropy(model.call(xs) as Tensor, ys), optimizer.params);
        optimizer.step(grads);
        return value.item();
      }),
    );
  }
  optimizer.dispose();
  model.dispose();
  return losses;
}

// Threading forced on for every kernel size, so the split paths train too.
let threaded: WasmBackend | undefined;
registerBackend(
  'wasm-2t-always',
  async () => (threaded = await createWasmBackend({ threads: 2, minParallelFlops: 0 })),
);

describe('cpu and wasm train the same network to the same place', () => {
  afterAll(() => threaded?.dispose());

  it('300 SGD steps from the same seed: final losses agree within 1e-3 relative, with 1 and 2 threads', async () => {
    const onCpu = await train('cpu', 300);
    const runs = { wasm: await train('wasm', 300), 'wasm 2 threads': await train('wasm-2t-always', 300) };
    await setBackend('cpu');
    expect(threaded?.threads).toBe(2);
    const relative = (a: number, e: number): number => Math.abs(a - e) / Math.abs(e);
    const last = (xs: number[]): number => xs.slice(-20).reduce((a, b) => a + b, 0) / 20;
    for (const [name, losses] of Object.entries(runs)) {
      expect(losses[0], name).toBeCloseTo(onCpu[0]!, 5);
      expect(
        relative(losses.at(-1)!, onCpu.at(-1)!),
        `${name}: final loss ${losses.at(-1)} vs cpu ${onCpu.at(-1)}`,
      ).toBeLessThan(1e-3);
      expect(relative(last(losses), last(onCpu)), `${name}: mean of the last 20`).toBeLessThan(1e-3);
    }
    expect(last(onCpu)).toBeLessThan(onCpu[0]! / 2);
  });
});
