// Gradient accumulation in fit (issue 17 item 3). The reference is fit
// itself without accumulation on batches k times larger: with the mean loss,
// k batches of b samples accumulated with their losses scaled by 1/k give the
// gradient of one batch of k·b, and an epoch's partial tail of r batches,
// rescaled to its mean, gives that of one batch of r·b — so the two runs take
// the same steps on the same samples and must end at the same weights.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { ArgumentError, UnknownOptionError, memory, noGrad, tensor } from '@gradstream/core';
import { Flatten, Linear, Sequential, crossEntropy } from '@gradstream/core/nn';
import { type Optimizer, adam, sgd } from '@gradstream/core/optim';
import { type BatchEndEvent, type TrainEvent, fit } from '@gradstream/core/train';
import { thrown } from './expect-throw.js';
import { loader, makeXO } from './train-helpers.js';

function net(): Sequential {
  return new Sequential([new Flatten(), new Linear(64, 2, { dtype: 'float64' })]);
}

/** The XO images in float64, batches of `size` in a fixed order. */
function data(n: number, size: number) {
  const base = loader(makeXO(n, 7), size);
  return {
    length: base.length,
    async *[Symbol.asyncIterator]() {
      for await (const b of base) {
        const x = noGrad(() => tensor(Float64Array.from(b.x.dataSync()), b.x.shape));
        b.x.dispose();
        yield { x, y: b.y };
      }
    },
  };
}

async function train(
  batchSize: number,
  accumulate: number | undefined,
  makeOpt: (m: Sequential) => Optimizer,
  n = 40,
  clipNorm?: number,
): Promise<{ weights: number[]; steps: number; events: TrainEvent[] }> {
  const m = net();
  // Same initial weights for every run.
  m.parameters().forEach((p, i) => {
    const v = Float64Array.from({ length: p.size }, (_, k) => Math.sin(1 + k * 0.37 + i) * 0.1);
    p.adopt(tensor(v, p.shape));
  });
  const opt = makeOpt(m);
  const events = await lastValueFrom(
    fit(m, {
      train: data(n, batchSize),
      epochs: 2,
      optimizer: opt,
      metrics: [],
      ...(accumulate ? { accumulate } : {}),
      ...(clipNorm ? { clipNorm } : {}),
    }).pipe(toArray()),
  );
  const weights = m.parameters().flatMap((p) => [...p.dataSync()]);
  const steps = opt.stepCount;
  opt.dispose();
  m.dispose();
  return { weights, steps, events };
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

describe('fit({ accumulate: k })', () => {
  for (const [name, makeOpt] of [
    [
      'sgd with momentum and weight decay',
      (m: Sequential) => sgd(m.parameters(), { lr: 0.5, momentum: 0.9, weightDecay: 0.01 }),
    ],
    ['adam', (m: Sequential) => adam(m.parameters(), { lr: 0.05 })],
  ] as const) {
    it(`steps every k batches on the mean gradient, partial tail included (${name})`, async () => {
      // 40 samples in batches of 4: 10 batches, windows of 3, 3, 3 and a tail of 1 per epoch.
      const accumulated = await train(4, 3, makeOpt);
      const reference = await train(12, undefined, makeOpt);
      expect(accumulated.steps).toBe(8);
      expect(reference.steps).toBe(8);
      expect(maxDiff(accumulated.weights, reference.weights)).toBeLessThan(1e-12);
      // Training moved the weights: the comparison is not between two untouched models.
      const untouched = await train(4, 3, (m) => sgd(m.parameters(), { lr: 0 }));
      expect(maxDiff(accumulated.weights, untouched.weights)).toBeGreaterThan(1e-3);
    });
  }

  it('equals plain fit on k-times larger batches for any k, batch count and clipNorm (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.constantFrom(0.05, 1), { nil: undefined }),
        async (k, batches, b, clipNorm) => {
          const make = (m: Sequential) => sgd(m.parameters(), { lr: 0.3, momentum: 0.5 });
          const accumulated = await train(b, k, make, batches * b, clipNorm);
          const reference = await train(k * b, undefined, make, batches * b, clipNorm);
          expect(accumulated.steps).toBe(2 * Math.ceil(batches / k));
          expect(maxDiff(accumulated.weights, reference.weights)).toBeLessThan(1e-12);
        },
      ),
      { numRuns: 12, seed: 17 },
    );
  });

  it('emits every batch with its own unscaled loss', async () => {
    const { events } = await train(4, 3, (m) => sgd(m.parameters(), { lr: 0.5 }));
    const batches = events.filter((e): e is BatchEndEvent => e.type === 'batchEnd');
    expect(batches).toHaveLength(20);
    // The first batch's loss, computed here at the initial weights.
    const m = net();
    m.parameters().forEach((p, i) => {
      p.adopt(
        tensor(
          Float64Array.from({ length: p.size }, (_, k) => Math.sin(1 + k * 0.37 + i) * 0.1),
          p.shape,
        ),
      );
    });
    const it = data(40, 4)[Symbol.asyncIterator]();
    const first = (await it.next()).value!;
    const expected = noGrad(() => crossEntropy(m.call(first.x), first.y).item());
    expect(batches[0]!.loss).toBeCloseTo(expected, 12);
    await it.return?.();
    first.x.dispose();
    first.y.dispose();
    m.dispose();
  });

  it('frees the window: live tensors are back to the start after a run', async () => {
    const before = memory().numTensors;
    await train(4, 3, (m) => adam(m.parameters()));
    expect(memory().numTensors).toBe(before);
  });

  it('refuses accumulate that is not a positive integer, and unknown fit options', () => {
    const m = net();
    const opt = sgd(m.parameters(), { lr: 0.1 });
    const base = { train: data(8, 4), epochs: 1, optimizer: opt };
    expect(thrown(() => fit(m, { ...base, accumulate: 0 }), ArgumentError).message).toMatch(
      /^fit: accumulate must be a positive integer, got 0/,
    );
    expect(thrown(() => fit(m, { ...base, accumulate: 1.5 }), ArgumentError).message).toMatch(/got 1.5/);
    expect(thrown(() => fit(m, { ...base, accumulation: 2 } as never), UnknownOptionError).message).toMatch(
      /^fit: unknown option 'accumulation'; accepted: train, validation, epochs, optimizer, loss, metrics, clipNorm, accumulate/,
    );
    opt.dispose();
    m.dispose();
  });
});
