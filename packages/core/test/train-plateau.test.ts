// reduceLROnPlateau as a piece of the training stream (issue 17 item 3):
// fed epochEnd events it sets the lrs torch's ReduceLROnPlateau sets for the
// same metrics (fixtures/optim.json, from fixtures/optim.py), and inside
// fit the new lr applies from the next epoch's first step.
import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { Subject, lastValueFrom, tap, toArray } from 'rxjs';
import { ArgumentError, UnknownOptionError, tensor } from '@gradstream/core';
import { Flatten, Linear, Sequential } from '@gradstream/core/nn';
import { type PlateauOptions, sgd } from '@gradstream/core/optim';
import { type EpochEndEvent, type TrainEvent, fit, reduceLROnPlateau } from '@gradstream/core/train';
import { thrown } from './expect-throw.js';
import { loadFixture } from './torch-fixtures.js';
import { loader, makeXO } from './train-helpers.js';

const fixture = loadFixture<{
  groupLrs: number[];
  plateau: { options: PlateauOptions; metrics: number[]; lrs: number[][] }[];
}>('optim.json');

const epochEnd = (epoch: number, loss: number): EpochEndEvent => ({
  type: 'epochEnd',
  epoch,
  train: { loss: loss * 2 },
  validation: { loss },
  elapsedMs: 0,
});

describe('reduceLROnPlateau', () => {
  fixture.plateau.forEach((c, k) => {
    it(`sets torch's lrs at each epoch end (plateau case ${k})`, async () => {
      const params = fixture.groupLrs.map(() => tensor(new Float64Array([0])));
      const opt = sgd(
        params.map((p, i) => ({ params: [p], lr: fixture.groupLrs[i]! })),
        { lr: 1 },
      );
      const source = new Subject<TrainEvent>();
      const lrs: number[][] = [];
      // torch's default mode is 'min' whatever the metric; the operator's follows the monitor.
      const done = lastValueFrom(
        source.pipe(
          reduceLROnPlateau(opt, { mode: 'min', ...c.options }),
          tap(() => lrs.push(opt.paramGroups.map((g) => g.lr))),
          toArray(),
        ),
      );
      c.metrics.forEach((m, epoch) => {
        source.next(epochEnd(epoch, m));
      });
      source.complete();
      expect(await done).toHaveLength(c.metrics.length);
      expect(lrs).toEqual(c.lrs.map((row) => row.map((v) => expect.closeTo(v, 15))));
      opt.dispose();
      for (const p of params) p.dispose();
    });
  });

  it('inside fit: the reduced lr applies from the next epoch’s first step, and onReduce reports it', async () => {
    const m = new Sequential([new Flatten(), new Linear(64, 2)]);
    const opt = sgd(m.parameters(), { lr: 0.1 });
    const xo = makeXO(32, 3);
    const reductions: [number, number[]][] = [];
    const lrAtBatch: number[][] = [[], [], [], []];
    await lastValueFrom(
      fit(m, { train: loader(xo, 8), validation: loader(xo, 16), epochs: 4, optimizer: opt }).pipe(
        // Nothing beats the first epoch by an absolute 1e9, so every later epoch is bad: with
        // patience 0 the lr halves at the end of epochs 1, 2 and 3.
        reduceLROnPlateau(opt, {
          mode: 'max',
          thresholdMode: 'abs',
          threshold: 1e9,
          patience: 0,
          factor: 0.5,
          onReduce: (epoch, lrs) => reductions.push([epoch, [...lrs]]),
        }),
        tap((e) => {
          if (e.type === 'batchEnd') lrAtBatch[e.epoch]!.push(opt.lr);
        }),
        toArray(),
      ),
    );
    // batchEnd is emitted after the step, so the lr read then is the one that step used.
    expect(lrAtBatch).toEqual([0.1, 0.1, 0.05, 0.025].map((lr) => [lr, lr, lr, lr]));
    expect(reductions).toEqual([
      [1, [0.05]],
      [2, [0.025]],
      [3, [0.0125]],
    ]);
    opt.dispose();
    m.dispose();
  });

  it('errors the stream when the monitored quantity is missing, and refuses unknown options', async () => {
    const p = tensor(new Float64Array([0]));
    const opt = sgd([p], { lr: 0.1 });
    const source = new Subject<TrainEvent>();
    const failed = lastValueFrom(source.pipe(reduceLROnPlateau(opt, { monitor: 'validation.top5' })));
    source.next(epochEnd(0, 1));
    await expect(failed).rejects.toThrow(/reduceLROnPlateau: cannot monitor 'validation.top5'/);
    expect(thrown(() => reduceLROnPlateau(opt, { patiance: 3 } as never), UnknownOptionError).message).toMatch(
      /^reduceLROnPlateau: unknown option 'patiance'; accepted: mode, factor, patience/,
    );
    expect(thrown(() => reduceLROnPlateau(opt, { factor: 1 }), ArgumentError).message).toMatch(
      /reduceLROnPlateau: factor must be in \[0, 1\)/,
    );
    opt.dispose();
    p.dispose();
  });
});
