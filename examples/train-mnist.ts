// The README's first example as a program: LeNet-5 on MNIST through fit(), stopped by an RxJS
// operator once validation accuracy passes 99.2 %. Run: pnpm example (EPOCHS=1 for a quick look).
import { lastValueFrom, takeWhile, filter, tap } from 'rxjs';
import { setBackend } from '@gradstream/core';
import { fit, progressBar, type EpochEndEvent } from '@gradstream/core/train';
import { adam } from '@gradstream/core/optim';
import '@gradstream/backend-wasm';
import { lenet5 } from '@gradstream/models';
import { mnist, DataLoader } from '@gradstream/datasets';

await setBackend('wasm');
const model = lenet5({ seed: 1 });
const events = fit(model, {
  train: new DataLoader(mnist('train'), { batchSize: 64, shuffle: true, seed: 1 }),
  validation: new DataLoader(mnist('test'), { batchSize: 500 }),
  epochs: Number(process.env.EPOCHS ?? 10),
  optimizer: adam(model.parameters(), { lr: 1e-3 }),
});
await lastValueFrom(
  events.pipe(
    progressBar(),
    takeWhile((e) => !(e.type === 'epochEnd' && (e.validation?.accuracy ?? 0) > 0.992), true),
    filter((e): e is EpochEndEvent => e.type === 'epochEnd'),
    tap((e) =>
      console.log(`epoch ${e.epoch + 1}: validation accuracy ${(100 * (e.validation?.accuracy ?? 0)).toFixed(2)} %`),
    ),
  ),
  { defaultValue: undefined },
);
process.exit(0);
