// A Node program as a user of the published packages writes it: train a few
// steps on wasm through fit(), save and reload the weights, take a gradient.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { getBackendName, grad, mul, reshape, setBackend, sum, tensor, type Tensor } from '@gradstream/core';
import { adam } from '@gradstream/core/optim';
import { fit, type BatchEndEvent, type TrainEvent } from '@gradstream/core/train';
import '@gradstream/backend-cpu';
import { getThreads } from '@gradstream/backend-wasm';
import { DataLoader, synthetic } from '@gradstream/datasets';
import { lenet5, loadWeights, saveWeights } from '@gradstream/models';

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`consumer: ${what}`);
}

await setBackend('wasm');
check(getBackendName() === 'wasm', `backend is ${getBackendName()}, not wasm`);

const data = synthetic.xo({ size: 28, count: 64, seed: 1 });
const model = lenet5({ seed: 1 });
const events: TrainEvent[] = await lastValueFrom(
  fit(model, {
    train: new DataLoader(data, { batchSize: 16, shuffle: true, seed: 1 }),
    epochs: 1,
    optimizer: adam(model.parameters(), { lr: 1e-3 }),
  }).pipe(toArray()),
);
const steps = events.filter((e): e is BatchEndEvent => e.type === 'batchEnd');
check(steps.length === 4, `${steps.length} training steps, expected 4`);
check(
  steps.every((s) => Number.isFinite(s.loss)),
  'a non-finite loss',
);

const dir = mkdtempSync(join(tmpdir(), 'gradstream-consumer-'));
try {
  const file = join(dir, 'lenet5.safetensors');
  saveWeights(model, file);
  const reloaded = lenet5({ seed: 2 });
  loadWeights(reloaded, file);
  const probe: Tensor = reshape(tensor(Array.from({ length: 28 * 28 }, (_, i) => (i % 7) / 7)), [1, 1, 28, 28]);
  const a = model.eval().call(probe).toArray();
  const b = reloaded.eval().call(probe).toArray();
  check(JSON.stringify(a) === JSON.stringify(b), 'reloaded weights give other logits');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const g = grad((v: Tensor) => sum(mul(v, v)))(tensor([1, 2, 3])).toArray();
check(JSON.stringify(g) === '[2,4,6]', `gradient of sum(x²) at [1,2,3] is ${JSON.stringify(g)}`);

console.log(
  `consumer: ${steps.length} steps on ${getBackendName()} (threads: ${getThreads() ?? 'default'}), losses ${steps.map((s) => s.loss.toFixed(3)).join(' ')}; weights reloaded; gradient ${JSON.stringify(g)}`,
);
process.exit(0);
