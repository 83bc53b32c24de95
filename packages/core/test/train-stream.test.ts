import { CpuBackend } from '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { filter, firstValueFrom, lastValueFrom, take, takeWhile, tap, toArray } from 'rxjs';
import { type TensorInfo, findBackend, memory, registerBackend, setBackend, setSeed } from '@gradstream/core';
import { Flatten, Linear, Sequential } from '@gradstream/core/nn';
import { type Optimizer, sgd } from '@gradstream/core/optim';
import { type Batch, type TrainEvent, TrainingError, earlyStopping, fit } from '@gradstream/core/train';
import { loader, makeXO } from './train-helpers.js';

function tiny(): Sequential {
  return new Sequential([new Flatten(), new Linear(64, 2)]);
}

/** Wraps a data source, counting the batches handed out. */
function counted(data: AsyncIterable<Batch> & { readonly length: number }): AsyncIterable<Batch> & { pulled: number; readonly length: number } {
  const wrapper = {
    pulled: 0,
    length: data.length,
    async *[Symbol.asyncIterator]() {
      for await (const b of data) {
        wrapper.pulled++;
        yield b;
      }
    },
  };
  return wrapper;
}

const nextTurn = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

function setup(): { model: Sequential; optimizer: Optimizer; before: number; bytes: number } {
  setSeed(3);
  const model = tiny();
  const optimizer = sgd(model.parameters(), { lr: 0.05 });
  const m = memory();
  return { model, optimizer, before: m.numTensors, bytes: m.numBytes };
}

describe('fit as a stream', () => {
  it('is cold: nothing runs until subscribe', async () => {
    const { model, optimizer } = setup();
    const data = counted(loader(makeXO(64, 1), 16));
    const events = fit(model, { train: data, epochs: 1, optimizer });
    await nextTurn();
    expect(data.pulled).toBe(0);
    expect(optimizer.stepCount).toBe(0);
    const all = await lastValueFrom(events.pipe(toArray()));
    expect(all.map((e) => e.type)).toEqual(['trainStart', 'epochStart', 'batchEnd', 'batchEnd', 'batchEnd', 'batchEnd', 'epochEnd', 'trainEnd']);
    expect(all[0]).toMatchObject({ type: 'trainStart', epochs: 1, stepsPerEpoch: 4 });
    model.dispose();
  });

  it('stops within one batch of an unsubscribe mid-epoch and frees everything the run allocated', async () => {
    const { model, optimizer, before, bytes } = setup();
    const data = counted(loader(makeXO(640, 2), 16));
    let steps = 0;
    const sub = fit(model, { train: data, epochs: 3, optimizer }).subscribe((e) => {
      if (e.type === 'batchEnd') steps++;
    });
    while (steps < 5) await nextTurn();
    sub.unsubscribe();
    const atUnsubscribe = steps;
    const pulledAtUnsubscribe = data.pulled;
    await nextTurn();
    await nextTurn();
    expect(steps).toBe(atUnsubscribe);
    expect(data.pulled - pulledAtUnsubscribe).toBeLessThanOrEqual(1);
    expect(optimizer.stepCount - atUnsubscribe).toBeLessThanOrEqual(1);
    expect(memory().numTensors).toBe(before);
    expect(memory().numBytes).toBe(bytes);
    model.dispose();
  });

  it('stops the same way under takeWhile, take and earlyStopping', async () => {
    const { model, optimizer, before, bytes } = setup();
    const data = counted(loader(makeXO(640, 4), 16));
    const seen = await lastValueFrom(fit(model, { train: data, epochs: 5, optimizer }).pipe(
      takeWhile((e) => !(e.type === 'batchEnd' && e.step === 7)),
      toArray(),
    ));
    expect(seen.filter((e) => e.type === 'batchEnd')).toHaveLength(7);
    expect(optimizer.stepCount).toBe(8);
    expect(data.pulled).toBe(8);
    expect(memory().numTensors).toBe(before);
    expect(memory().numBytes).toBe(bytes);

    const first = await firstValueFrom(fit(model, { train: data, epochs: 5, optimizer }).pipe(filter((e) => e.type === 'batchEnd'), take(1)));
    expect(first).toMatchObject({ type: 'batchEnd', epoch: 0, step: 0, batch: 0 });
    expect(optimizer.stepCount).toBe(9);
    expect(memory().numTensors).toBe(before);

    // lr 0 cannot improve the loss, so earlyStopping ends the run after patience + 1 epochs.
    optimizer.lr = 0;
    const steps = optimizer.stepCount;
    const events = await lastValueFrom(fit(model, { train: loader(makeXO(64, 5), 32), validation: loader(makeXO(64, 6), 32), epochs: 50, optimizer }).pipe(
      earlyStopping({ monitor: 'validation.loss', patience: 2 }),
      toArray(),
    ));
    const epochEnds = events.filter((e) => e.type === 'epochEnd');
    expect(epochEnds).toHaveLength(4);
    expect(events[events.length - 1]!.type).toBe('epochEnd');
    await nextTurn();
    expect(optimizer.stepCount - steps).toBe(4 * 2);
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });

  it('runs each subscription independently', async () => {
    const { model, optimizer } = setup();
    const run = fit(model, { train: loader(makeXO(64, 7), 16), epochs: 2, optimizer });
    const [a, b] = await Promise.all([lastValueFrom(run.pipe(toArray())), lastValueFrom(run.pipe(toArray()))]);
    for (const events of [a, b]) {
      expect(events.map((e) => e.type).filter((t) => t !== 'batchEnd')).toEqual(['trainStart', 'epochStart', 'epochEnd', 'epochStart', 'epochEnd', 'trainEnd']);
      expect(events.filter((e) => e.type === 'batchEnd').map((e) => (e as { step: number }).step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(events[events.length - 1]).toMatchObject({ type: 'trainEnd', steps: 8 });
    }
    expect(optimizer.stepCount).toBe(16);
    model.dispose();
  });

  it('ends with an error naming the epoch and step when the model is driven to NaN', async () => {
    const { model, optimizer, before } = setup();
    optimizer.lr = 3e38;
    const seen: TrainEvent[] = [];
    const error = await lastValueFrom(fit(model, { train: loader(makeXO(512, 8), 16), epochs: 2, optimizer }).pipe(tap((e) => seen.push(e)))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingError);
    const steps = seen.filter((e) => e.type === 'batchEnd').length;
    expect(steps).toBeGreaterThan(0);
    expect((error as TrainingError).step).toBe(steps);
    expect((error as Error).message).toMatch(new RegExp(`loss is (NaN|Infinity) at epoch 0, step ${steps} `));
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });

  it('ends with an error when a kernel throws, freeing the step', async () => {
    registerBackend('cpu-flaky', () => new FlakyBackend(), { priority: -1 });
    const { model, optimizer, before } = setup();
    await setBackend('cpu-flaky');
    try {
      const backend = findBackend('cpu-flaky') as FlakyBackend;
      backend.matmulsLeft = 7;
      const error = await lastValueFrom(fit(model, { train: loader(makeXO(128, 9), 16), epochs: 1, optimizer })).catch((e: unknown) => e);
      expect((error as Error).message).toBe('matmul kernel failed');
      expect(memory().numTensors).toBe(before);
    } finally {
      await setBackend('cpu');
    }
    model.dispose();
  });
});

/** A CPU backend whose matmul kernel fails once its budget is spent. */
class FlakyBackend extends CpuBackend {
  matmulsLeft = Infinity;
  override matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
    if (--this.matmulsLeft < 0) throw new Error('matmul kernel failed');
    return super.matmul(a, b, transposeA, transposeB);
  }
}
