import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { Subject, lastValueFrom, tap, toArray } from 'rxjs';
import { memory, setSeed, tidy } from '@gradstream/core';
import { Flatten, Linear, Sequential, accuracy, crossEntropy } from '@gradstream/core/nn';
import { sgd } from '@gradstream/core/optim';
import {
  type BatchEndEvent,
  type EpochEndEvent,
  type TrainEvent,
  checkpoint,
  earlyStopping,
  evaluate,
  fit,
  predict,
  progressBar,
  renderBatchLine,
  throttleProgress,
} from '@gradstream/core/train';
import { counted, loader, makeXO } from './train-helpers.js';

const batchEnd = (step: number, epoch = 0): BatchEndEvent => ({
  type: 'batchEnd',
  epoch,
  step,
  batch: step,
  loss: 0.5,
  metrics: { accuracy: 0.75 },
  samplesPerSec: 1000,
  elapsedMs: step,
});
const epochEnd = (epoch: number, loss: number, acc = 0.5): EpochEndEvent => ({
  type: 'epochEnd',
  epoch,
  train: { loss, accuracy: acc },
  validation: { loss, accuracy: acc },
  elapsedMs: 0,
});

describe('operators on the training stream', () => {
  it('earlyStopping completes after patience epochs without improvement beyond minDelta', async () => {
    const source = new Subject<TrainEvent>();
    const out = lastValueFrom(
      source.pipe(earlyStopping({ monitor: 'validation.loss', patience: 1, minDelta: 0.01 }), toArray()),
    );
    for (const [i, loss] of [1, 0.5, 0.495, 0.3, 0.31, 0.305, 0.1].entries()) source.next(epochEnd(i, loss));
    const events = await out;
    expect(events.map((e) => (e as EpochEndEvent).epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(source.observed).toBe(false);
  });

  it('earlyStopping in max mode, and an error when the monitored quantity is missing', async () => {
    const acc = new Subject<TrainEvent>();
    const out = lastValueFrom(acc.pipe(earlyStopping({ monitor: 'train.accuracy' }), toArray()));
    [0.5, 0.7, 0.6].forEach((a, i) => {
      acc.next(epochEnd(i, 0, a));
    });
    expect(await out).toHaveLength(3);
    const missing = new Subject<TrainEvent>();
    const failed = lastValueFrom(missing.pipe(earlyStopping({ monitor: 'validation.top5' })));
    missing.next(epochEnd(0, 1));
    await expect(failed).rejects.toThrow(
      /cannot monitor 'validation.top5': epoch 0 reports validation.loss, validation.accuracy/,
    );
  });

  it('checkpoint calls the handler on improvement only and waits for it in order', async () => {
    const source = new Subject<TrainEvent>();
    const saved: number[] = [];
    const out = lastValueFrom(
      source.pipe(
        checkpoint(
          async (e) => {
            await new Promise((r) => setTimeout(r, 5));
            saved.push(e.epoch);
          },
          { monitor: 'validation.accuracy' },
        ),
        toArray(),
      ),
    );
    [0.5, 0.4, 0.6, 0.6, 0.9].forEach((a, i) => {
      source.next(epochEnd(i, 0, a));
      source.next(batchEnd(i));
    });
    source.complete();
    const events = await out;
    expect(saved).toEqual([0, 2, 4]);
    expect(events.map((e) => e.type)).toEqual(Array.from({ length: 5 }, () => ['epochEnd', 'batchEnd']).flat());
  });

  it('checkpoint errors the stream and unsubscribes from its source when the handler throws', async () => {
    const source = new Subject<TrainEvent>();
    const failure = new Error('disk full');
    const seen: TrainEvent[] = [];
    const out = lastValueFrom(
      source.pipe(
        checkpoint(() => {
          throw failure;
        }),
        tap((e) => seen.push(e)),
      ),
    );
    source.next(batchEnd(0));
    source.next(epochEnd(0, 1));
    await expect(out).rejects.toBe(failure);
    expect(seen).toEqual([batchEnd(0)]);
    expect(source.observed).toBe(false);
  });

  it('checkpoint with a rejecting handler ends fit with that error and stops training within one batch', async () => {
    setSeed(4);
    const model = new Sequential([new Flatten(), new Linear(64, 2)]);
    const optimizer = sgd(model.parameters(), { lr: 0.1 });
    const before = memory();
    const data = counted(loader(makeXO(64, 3), 16));
    const failure = new Error('disk full');
    const seen: TrainEvent['type'][] = [];
    const error = await lastValueFrom(
      fit(model, { train: data, epochs: 20, optimizer }).pipe(
        checkpoint(() => Promise.reject(failure)),
        tap((e) => seen.push(e.type)),
      ),
    ).catch((e: unknown) => e);
    expect(error).toBe(failure);
    // The failing epochEnd is not passed on.
    expect(seen).toEqual(['trainStart', 'epochStart', 'batchEnd', 'batchEnd', 'batchEnd', 'batchEnd']);
    await new Promise((r) => setTimeout(r, 5));
    expect(data.pulled).toBeLessThanOrEqual(4 + 1);
    expect(optimizer.stepCount).toBeLessThanOrEqual(4 + 1);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
    model.dispose();
  });

  it('throttleProgress samples batchEnd and delivers the held-back one before the next event', async () => {
    const source = new Subject<TrainEvent>();
    const out = lastValueFrom(source.pipe(throttleProgress(60_000), toArray()));
    source.next({ type: 'epochStart', epoch: 0 });
    for (let i = 0; i < 5; i++) source.next(batchEnd(i));
    source.next(epochEnd(0, 1));
    for (let i = 5; i < 8; i++) source.next(batchEnd(i));
    source.complete();
    const events = await out;
    expect(events.map((e) => (e.type === 'batchEnd' ? `b${e.step}` : e.type))).toEqual([
      'epochStart',
      'b0',
      'b4',
      'epochEnd',
      'b7',
    ]);
  });

  it('progressBar redraws one line on a terminal and prints epoch lines elsewhere', async () => {
    const run = async (isTTY: boolean): Promise<string> => {
      let text = '';
      const stream = { isTTY, columns: 120, write: (s: string) => (text += s) };
      const source = new Subject<TrainEvent>();
      const done = lastValueFrom(source.pipe(progressBar({ stream }), toArray()));
      source.next({ type: 'trainStart', epochs: 2, stepsPerEpoch: 4 });
      source.next({ type: 'epochStart', epoch: 0 });
      source.next(batchEnd(0));
      source.next(batchEnd(1));
      source.next(epochEnd(0, 0.25, 0.9));
      source.next({ type: 'trainEnd', epochs: 2, steps: 8, elapsedMs: 10 });
      source.complete();
      expect(await done).toHaveLength(6);
      return text;
    };
    const tty = await run(true);
    expect(tty).toMatch(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress bar's output is ANSI escapes
      /\repoch 1\/2 \[={15}>\s+\] 2\/4 {2}loss 0\.5000 {2}acc 0\.7500 {2}1000 samples\/s {2}ETA \d+:\d\d\x1b\[K/,
    );
    expect(tty).toMatch(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress bar's output is ANSI escapes
      /\r\x1b\[Kepoch 1\/2 {2}loss 0\.2500 {2}acc 0\.9000 {2}val_loss 0\.2500 {2}val_acc 0\.9000 {2}0:\d\d\n$/,
    );
    const plain = await run(false);
    expect(plain).not.toMatch(/\r/);
    expect(plain.trim().split('\n')).toHaveLength(1);
    expect(renderBatchLine(batchEnd(2), 3, undefined, 100)).toBe(
      'epoch 1/3  step 3  loss 0.5000  acc 0.7500  1000 samples/s',
    );
  });
});

describe('evaluate and predict', () => {
  it('report sample-weighted loss and accuracy in eval mode without leaking, restoring the mode', async () => {
    setSeed(2);
    const model = new Sequential([new Flatten(), new Linear(64, 2)]);
    const optimizer = sgd(model.parameters(), { lr: 0.1 });
    await lastValueFrom(fit(model, { train: loader(makeXO(256, 1), 32), epochs: 2, optimizer }));
    const before = memory().numTensors;
    const data = makeXO(128, 2);
    const result = await evaluate(model, loader(data, 50));
    expect(Object.keys(result)).toEqual(['loss', 'accuracy']);
    expect(model.training).toBe(true);
    for await (const b of loader(data, 128)) {
      const expected = tidy(() => {
        const out = predict(model, b.x);
        return { loss: crossEntropy(out, b.y).item(), accuracy: accuracy(out, b.y) };
      });
      expect(result.loss).toBeCloseTo(expected.loss, 5);
      expect(result.accuracy).toBeCloseTo(expected.accuracy, 6);
      b.x.dispose();
      b.y.dispose();
    }
    expect(model.training).toBe(true);
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });
});
