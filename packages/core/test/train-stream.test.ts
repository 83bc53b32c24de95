import { CpuBackend } from '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { type Subscription, filter, firstValueFrom, lastValueFrom, map, take, takeWhile, tap, toArray } from 'rxjs';
import { type TensorInfo, findBackend, memory, registerBackend, setBackend, setSeed } from '@gradstream/core';
import { Dropout, Flatten, Linear, type Module, Sequential } from '@gradstream/core/nn';
import { type Optimizer, adam, sgd } from '@gradstream/core/optim';
import { type BatchEndEvent, type TrainEvent, TrainingError, earlyStopping, fit } from '@gradstream/core/train';
import { counted, loader, makeXO } from './train-helpers.js';

function tiny(): Sequential {
  return new Sequential([new Flatten(), new Linear(64, 2)]);
}

const nextTurn = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
const isBatchEnd = (e: TrainEvent): e is BatchEndEvent => e.type === 'batchEnd';

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
    expect(all.map((e) => e.type)).toEqual([
      'trainStart',
      'epochStart',
      'batchEnd',
      'batchEnd',
      'batchEnd',
      'batchEnd',
      'epochEnd',
      'trainEnd',
    ]);
    expect(all[0]).toMatchObject({ type: 'trainStart', epochs: 1, stepsPerEpoch: 4 });
    model.dispose();
  });

  it('stops within one batch of an unsubscribe mid-epoch and frees everything the run allocated', async () => {
    const { model, optimizer, before, bytes } = setup();
    const data = counted(loader(makeXO(640, 2), 16));
    const types: TrainEvent['type'][] = [];
    let completed = false;
    let atUnsubscribe = { pulled: -1, steps: -1 };
    // Unsubscribing from inside the handler makes the stop point exact: batch 5 of 40 in epoch 0 of 3.
    const sub: Subscription = fit(model, { train: data, epochs: 3, optimizer }).subscribe({
      next: (e) => {
        types.push(e.type);
        if (e.type === 'batchEnd' && e.step === 4) {
          sub.unsubscribe();
          atUnsubscribe = { pulled: data.pulled, steps: optimizer.stepCount };
        }
      },
      complete: () => (completed = true),
    });
    for (let i = 0; data.closed === 0 && i < 100; i++) await nextTurn();
    expect(data.closed).toBe(1);
    expect(atUnsubscribe).toEqual({ pulled: 5, steps: 5 });
    expect(types).toEqual(['trainStart', 'epochStart', ...Array<string>(5).fill('batchEnd')]);
    expect(completed).toBe(false);
    expect(data.pulled - atUnsubscribe.pulled).toBeLessThanOrEqual(1);
    expect(optimizer.stepCount - atUnsubscribe.steps).toBeLessThanOrEqual(1);
    expect(memory().numTensors).toBe(before);
    expect(memory().numBytes).toBe(bytes);
    model.dispose();
  });

  it('yields to the event loop between batches', async () => {
    const { model, optimizer } = setup();
    // A macrotask that requeues itself ticks once per turn of the loop; a loop chained on microtasks alone would starve it.
    let ticks = 0;
    let ticker = setImmediate(function tick() {
      ticks++;
      ticker = setImmediate(tick);
    });
    const ticksAtBatch: number[] = [];
    try {
      await lastValueFrom(
        fit(model, { train: loader(makeXO(96, 10), 16), epochs: 2, optimizer }).pipe(
          filter(isBatchEnd),
          tap(() => ticksAtBatch.push(ticks)),
        ),
      );
    } finally {
      clearImmediate(ticker);
    }
    expect(ticksAtBatch).toHaveLength(12);
    const gaps = ticksAtBatch.slice(1).map((t, i) => t - ticksAtBatch[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1);
    model.dispose();
  });

  it('reports every batch with a finite loss, its accuracy, throughput and time, numbered by epoch and step', async () => {
    const { model, optimizer } = setup();
    // 88 samples in batches of 16: five full batches and one of 8 per epoch.
    const events = await lastValueFrom(
      fit(model, { train: loader(makeXO(88, 11), 16), epochs: 2, optimizer }).pipe(toArray()),
    );
    let epoch = -1;
    let step = 0;
    let batch = 0;
    let elapsed = 0;
    let losses: [loss: number, n: number][] = [];
    for (const e of events) {
      if ('elapsedMs' in e) {
        expect(e.elapsedMs).toBeGreaterThanOrEqual(elapsed);
        elapsed = e.elapsedMs;
      }
      if (e.type === 'epochStart') {
        epoch = e.epoch;
        batch = 0;
        losses = [];
      } else if (e.type === 'batchEnd') {
        expect(e).toMatchObject({ epoch, step, batch });
        const n = batch === 5 ? 8 : 16;
        expect(Number.isFinite(e.loss) && e.loss > 0).toBe(true);
        const accuracy = e.metrics.accuracy!;
        expect(accuracy).toBeGreaterThanOrEqual(0);
        expect(accuracy).toBeLessThanOrEqual(1);
        // A fraction of the batch's samples.
        expect(accuracy * n).toBeCloseTo(Math.round(accuracy * n), 6);
        expect(e.samplesPerSec).toBeGreaterThan(0);
        losses.push([e.loss, n]);
        step++;
        batch++;
      } else if (e.type === 'epochEnd') {
        expect(batch).toBe(6);
        const weighted = losses.reduce((a, [l, n]) => a + l * n, 0) / 88;
        expect(e.train.loss).toBeCloseTo(weighted, 5);
      }
    }
    expect(step).toBe(12);
    expect(events[events.length - 1]).toMatchObject({ type: 'trainEnd', steps: 12 });
    model.dispose();
  });

  it('stops the same way under takeWhile, take and earlyStopping', async () => {
    const { model, optimizer, before, bytes } = setup();
    const data = counted(loader(makeXO(640, 4), 16));
    const seen = await lastValueFrom(
      fit(model, { train: data, epochs: 5, optimizer }).pipe(
        takeWhile((e) => !(e.type === 'batchEnd' && e.step === 7)),
        toArray(),
      ),
    );
    expect(seen.filter((e) => e.type === 'batchEnd')).toHaveLength(7);
    expect(optimizer.stepCount).toBe(8);
    expect(data.pulled).toBe(8);
    expect(memory().numTensors).toBe(before);
    expect(memory().numBytes).toBe(bytes);

    const first = await firstValueFrom(
      fit(model, { train: data, epochs: 5, optimizer }).pipe(filter(isBatchEnd), take(1)),
    );
    expect(first).toMatchObject({ type: 'batchEnd', epoch: 0, step: 0, batch: 0 });
    expect(optimizer.stepCount).toBe(9);
    expect(data.pulled).toBe(9);
    expect(memory().numTensors).toBe(before);
    expect(memory().numBytes).toBe(bytes);

    // lr 0 cannot improve the loss, so earlyStopping ends the run after patience + 1 epochs of 2 batches.
    optimizer.lr = 0;
    const steps = optimizer.stepCount;
    const train = counted(loader(makeXO(64, 5), 32));
    const validation = counted(loader(makeXO(64, 6), 32));
    const events = await lastValueFrom(
      fit(model, { train, validation, epochs: 50, optimizer }).pipe(
        earlyStopping({ monitor: 'validation.loss', patience: 2 }),
        toArray(),
      ),
    );
    const epochEnds = events.filter((e) => e.type === 'epochEnd');
    expect(epochEnds).toHaveLength(4);
    expect(events[events.length - 1]!.type).toBe('epochEnd');
    await nextTurn();
    expect(train.pulled).toBe(4 * 2);
    expect(validation.pulled).toBe(4 * 2);
    expect(optimizer.stepCount - steps).toBe(4 * 2);
    expect(memory().numTensors).toBe(before);
    expect(memory().numBytes).toBe(bytes);
    model.dispose();
  });

  it('runs each subscription independently', async () => {
    const { model, optimizer } = setup();
    const run = fit(model, { train: loader(makeXO(64, 7), 16), epochs: 2, optimizer });
    const [a, b] = await Promise.all([lastValueFrom(run.pipe(toArray())), lastValueFrom(run.pipe(toArray()))]);
    for (const events of [a, b]) {
      expect(events.map((e) => e.type).filter((t) => t !== 'batchEnd')).toEqual([
        'trainStart',
        'epochStart',
        'epochEnd',
        'epochStart',
        'epochEnd',
        'trainEnd',
      ]);
      expect(events.filter((e) => e.type === 'batchEnd').map((e) => (e as { step: number }).step)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7,
      ]);
      expect(events[events.length - 1]).toMatchObject({ type: 'trainEnd', steps: 8 });
    }
    expect(optimizer.stepCount).toBe(16);
    model.dispose();
  });

  // With dropout, runs sharing one generator would draw each other's masks.
  it.each([
    { layers: 'linear', build: tiny },
    { layers: 'dropout and linear', build: () => new Sequential([new Flatten(), new Dropout(0.5), new Linear(64, 2)]) },
  ])(
    'runs two subscriptions over two models seeded alike as two independent, identical runs ($layers)',
    async ({ build }) => {
      const runOf = (): { model: Sequential; optimizer: Optimizer; losses: Promise<number[]> } => {
        setSeed(9);
        const model = build();
        const optimizer = adam(model.parameters(), { lr: 0.01 });
        const losses = lastValueFrom(
          fit(model, { train: loader(makeXO(96, 12), 16, 4), epochs: 2, optimizer }).pipe(
            filter(isBatchEnd),
            tap(() => order.push(model)),
            map((e) => e.loss),
            toArray(),
          ),
        );
        return { model, optimizer, losses };
      };
      const order: Module[] = [];
      const alone = runOf();
      const aloneLosses = await alone.losses;
      order.length = 0;
      const [a, b] = [runOf(), runOf()];
      const [lossesA, lossesB] = await Promise.all([a.losses, b.losses]);
      // The runs interleave batch by batch, so shared state between them would show.
      expect(order.indexOf(b.model)).toBeLessThan(order.lastIndexOf(a.model));
      expect(lossesA).toHaveLength(12);
      expect(lossesA).toEqual(aloneLosses);
      expect(lossesB).toEqual(aloneLosses);
      const weights = (m: Module): number[][] => m.parameters().map((p) => Array.from(p.dataSync()));
      expect(weights(a.model)).toEqual(weights(alone.model));
      expect(weights(b.model)).toEqual(weights(alone.model));
      for (const r of [alone, a, b]) {
        expect(r.optimizer.stepCount).toBe(12);
        r.optimizer.dispose();
        r.model.dispose();
      }
    },
  );

  it('ends with an error naming the epoch and step when the model is driven to NaN', async () => {
    const { model, optimizer, before } = setup();
    optimizer.lr = 3e38;
    const seen: TrainEvent[] = [];
    const error = await lastValueFrom(
      fit(model, { train: loader(makeXO(512, 8), 16), epochs: 2, optimizer }).pipe(tap((e) => seen.push(e))),
    ).catch((e: unknown) => e);
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
      const error = await lastValueFrom(fit(model, { train: loader(makeXO(128, 9), 16), epochs: 1, optimizer })).catch(
        (e: unknown) => e,
      );
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
