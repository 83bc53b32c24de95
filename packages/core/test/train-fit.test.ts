import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { filter, lastValueFrom, map, toArray } from 'rxjs';
import { memory, setSeed } from '@gradstream/core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@gradstream/core/nn';
import { adam } from '@gradstream/core/optim';
import { type EpochEndEvent, evaluate, fit } from '@gradstream/core/train';
import { loader, makeXO } from './train-helpers.js';

function smallCnn(): Sequential {
  return new Sequential([
    new Conv2d(1, 8, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(8 * 4 * 4, 2),
  ]);
}

describe('fit on synthetic X-versus-O images', () => {
  it('trains conv → relu → maxpool → linear to ≥ 98% held-out accuracy', async () => {
    setSeed(1);
    const model = smallCnn();
    const optimizer = adam(model.parameters(), { lr: 0.01 });
    const before = memory();
    const epochs = await lastValueFrom(
      fit(model, {
        train: loader(makeXO(512, 11), 32, 5),
        validation: loader(makeXO(256, 12), 64),
        epochs: 6,
        optimizer,
      }).pipe(
        filter((e): e is EpochEndEvent => e.type === 'epochEnd'),
        map((e) => ({ epoch: e.epoch, train: e.train, validation: e.validation! })),
        toArray(),
      ),
    );
    const last = epochs[epochs.length - 1]!;
    console.info(
      'X/O epochs',
      epochs.map(
        (e) =>
          `${e.epoch}: loss ${e.train.loss.toFixed(4)} acc ${e.train.accuracy!.toFixed(4)} val_acc ${e.validation.accuracy!.toFixed(4)}`,
      ),
    );
    expect(last.validation.accuracy).toBeGreaterThanOrEqual(0.98);
    expect(epochs[0]!.train.loss).toBeGreaterThan(last.train.loss);
    const test = await evaluate(model, loader(makeXO(512, 13), 128));
    console.info('X/O held-out test', test);
    expect(test.accuracy).toBeGreaterThanOrEqual(0.98);
    // The optimizer's moment estimates are the only tensors the run left behind.
    const state = optimizer.stateDict().state.flatMap((s) => Object.values(s));
    expect(memory().numTensors).toBe(before.numTensors + state.length);
    optimizer.dispose();
    model.dispose();
  });
});
