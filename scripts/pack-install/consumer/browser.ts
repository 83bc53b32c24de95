// A page's module as a user of the published packages writes it, compiled
// with the DOM library and no Node types: every main entry must type-check.
import { conv2d, grad, randn, setBackend, sum, type Tensor } from '@gradstream/core';
import { Linear } from '@gradstream/core/nn';
import { sgd } from '@gradstream/core/optim';
import { fit, type TrainEvent } from '@gradstream/core/train';
import '@gradstream/backend-cpu';
import { setThreads, setWasmPaths } from '@gradstream/backend-wasm';
import { DataLoader, synthetic } from '@gradstream/datasets';
import { lenet5, weightsToBytes } from '@gradstream/models';

export async function start(canvas: HTMLCanvasElement): Promise<number> {
  setWasmPaths('/assets/gradstream/');
  await setBackend('wasm');
  await setThreads(globalThis.crossOriginIsolated ? 2 : 1);
  const model = lenet5({ seed: 0 });
  fit(model, {
    train: new DataLoader(synthetic.xo({ size: 28, count: 32 }), { batchSize: 8 }),
    epochs: 1,
    optimizer: sgd(model.parameters(), { lr: 0.01 }),
  }).subscribe((e: TrainEvent) => {
    if (e.type === 'batchEnd') canvas.title = `loss ${e.loss.toFixed(3)}`;
  });
  const bytes: Uint8Array = weightsToBytes(model);
  const dx: Tensor = grad((x: Tensor) => sum(conv2d(x, randn([2, 1, 3, 3]))))(randn([1, 1, 5, 5]));
  using scratch = randn([2]);
  return bytes.length + dx.size + scratch.size + new Linear(2, 2).parameters().length;
}
