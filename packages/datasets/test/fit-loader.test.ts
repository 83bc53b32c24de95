import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { filter, lastValueFrom, map, tap, toArray } from 'rxjs';
import { memory, setSeed } from '@gradstream/core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@gradstream/core/nn';
import { adam } from '@gradstream/core/optim';
import { type EpochEndEvent, type TrainStartEvent, fit } from '@gradstream/core/train';
import { DataLoader, synthetic } from '@gradstream/datasets';

describe('fit on a DataLoader', () => {
  it('trains a small conv net on shuffled synthetic X/O batches and frees what the run allocated', async () => {
    setSeed(7);
    const model = new Sequential([
      new Conv2d(1, 4, 3, { padding: 1 }),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(4 * 4 * 4, 2),
    ]);
    const optimizer = adam(model.parameters(), { lr: 0.02 });
    const train = new DataLoader(synthetic.xo({ size: 8, count: 256, seed: 1 }), {
      batchSize: 32,
      shuffle: true,
      seed: 3,
    });
    const validation = new DataLoader(synthetic.xo({ size: 8, count: 128, seed: 2 }), { batchSize: 64 });
    const before = memory();
    let start: TrainStartEvent | undefined;
    const epochs = await lastValueFrom(
      fit(model, { train, validation, epochs: 2, optimizer }).pipe(
        tap((e) => {
          if (e.type === 'trainStart') start = e;
        }),
        filter((e): e is EpochEndEvent => e.type === 'epochEnd'),
        map((e) => ({ train: e.train.loss, validation: e.validation!.loss, accuracy: e.validation!.accuracy! })),
        toArray(),
      ),
    );
    expect(start?.stepsPerEpoch).toBe(train.length);
    expect(train.epoch).toBe(2);
    expect(epochs).toHaveLength(2);
    // Untrained, two classes score about ln 2 ≈ 0.69.
    expect(epochs[1]!.train).toBeLessThan(epochs[0]!.train);
    expect(epochs[1]!.validation).toBeLessThan(0.6);
    expect(epochs[1]!.accuracy).toBeGreaterThanOrEqual(0.95);
    // Adam's moment estimates are the only tensors the run leaves; they go with the optimizer.
    optimizer.dispose();
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
    model.dispose();
  });
});
