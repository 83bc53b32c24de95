// Optimizers, parameter groups, schedules and reduce-on-plateau against
// PyTorch 1.13 (fixtures/optim.py wrote fixtures/optim.json): parameter
// trajectories over six steps of fixed gradients for every optimizer and
// option (weight decay, momentum variants, amsgrad, maximize, …), for two
// groups with different lr and hyperparameters and for steps where a
// parameter has no gradient, and for groups following a schedule; the lr
// sequence of two groups (initial lrs 0.1 and 0.01) under every schedule;
// and ReduceLROnPlateau's lrs for given metric sequences. All in float64 on
// cpu.
import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { type Tensor, tensor } from '@gradstream/core';
import {
  type LearningRate,
  type Optimizer,
  PlateauScheduler,
  type PlateauOptions,
  type Schedule,
  adadelta,
  adagrad,
  adam,
  adamW,
  adamax,
  constantLR,
  cosineAnnealingLR,
  cosineAnnealingWarmRestarts,
  cyclicLR,
  exponentialLR,
  lambdaLR,
  linearLR,
  linearWarmup,
  multiStepLR,
  nadam,
  oneCycleLR,
  polynomialLR,
  radam,
  rmsprop,
  sequentialLR,
  sgd,
  stepLR,
} from '@gradstream/core/optim';
import { differenceLog, loadFixture } from './torch-fixtures.js';

type Options = Record<string, unknown>;

interface OptimizerCase {
  readonly name: string;
  readonly optimizer: string;
  readonly options: Options;
  readonly groups: Options[] | null;
  readonly skip: Record<string, number[]>;
  /** A schedule (name and options) given as the optimizer's lr, or null. */
  readonly schedule: [string, Options] | null;
  readonly trajectory: number[][][];
}

interface ScheduleCase {
  readonly schedule: string;
  readonly options: Options;
  readonly lrs: number[][];
}

interface PlateauCase {
  readonly options: PlateauOptions;
  readonly metrics: number[];
  readonly lrs: number[][];
}

const fixture = loadFixture<{
  torch: string;
  shapes: number[][];
  init: number[][];
  grads: number[][][];
  optimizers: OptimizerCase[];
  groupLrs: number[];
  schedules: ScheduleCase[];
  plateau: PlateauCase[];
}>('optim.json');

const log = differenceLog(`optimizers and schedules (torch ${fixture.torch})`);

// biome-ignore lint/suspicious/noExplicitAny: the fixture's options are checked by the optimizers themselves.
type Factory = (params: any, options: any) => Optimizer;
const OPTIMIZERS: Record<string, Factory> = { sgd, adam, adamW, rmsprop, adagrad, adadelta, adamax, nadam, radam };

const f64 = (values: number[], shape: number[]): Tensor => tensor(Float64Array.from(values), shape);

function maxAbs(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

/** Largest relative difference (lrs span several decades). */
function maxRel(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!) / Math.max(Math.abs(b[i]!), 1e-300)), 0);
}

describe(`optimizers against torch.optim ${fixture.torch}`, () => {
  for (const c of fixture.optimizers) {
    it(c.name, () => {
      const params = fixture.init.map((v, i) => f64(v, fixture.shapes[i]!));
      const spec = c.groups ? c.groups.map((g, i) => ({ params: [params[i]!], ...g })) : params;
      const lr = c.schedule ? { lr: SCHEDULES[c.schedule[0]]!(c.schedule[1]) } : {};
      const opt = OPTIMIZERS[c.optimizer]!(spec, { ...c.options, ...lr });
      let worst = 0;
      fixture.grads.forEach((step, t) => {
        const skipped = c.skip[String(t)] ?? [];
        const grads = step.map((g, i) => (skipped.includes(i) ? undefined : f64(g, fixture.shapes[i]!)));
        opt.step(grads);
        for (const g of grads) g?.dispose();
        params.forEach((p, i) => {
          worst = Math.max(worst, maxAbs([...p.dataSync()], c.trajectory[t]![i]!));
        });
      });
      opt.dispose();
      for (const p of params) p.dispose();
      expect(log(c.name, worst)).toBeLessThan(1e-12);
    });
  }
});

type Built = (o: Options) => Schedule;
const SCHEDULES: Record<string, Built> = {
  stepLR: (o) => stepLR(o as never),
  multiStepLR: (o) => multiStepLR(o as never),
  exponentialLR: (o) => exponentialLR(o as never),
  cosineAnnealingLR: (o) => cosineAnnealingLR(o as never),
  constantLR: (o) => constantLR(o as never),
  linearLR: (o) => linearLR(o as never),
  polynomialLR: (o) => polynomialLR(o as never),
  cosineAnnealingWarmRestarts: (o) => cosineAnnealingWarmRestarts(o as never),
  cyclicLR: (o) => cyclicLR(o as never),
  oneCycleLR: (o) => oneCycleLR(o as never),
  // The fixture's lambda, "0.95 ** step * (1 + step % 3)", written out.
  lambdaLR: (o) => lambdaLR({ lr: o.lr as number, lrLambda: (step) => 0.95 ** step * (1 + (step % 3)) }),
  sequentialLR: (o) =>
    sequentialLR({
      schedules: (o.schedules as [string, Options][]).map(([name, opts]) => SCHEDULES[name]!(opts)),
      milestones: o.milestones as number[],
    }),
  linearWarmup: (o) => {
    const [name, opts] = o.then as [string, Options];
    return linearWarmup(o.warmupSteps as number, SCHEDULES[name]!(opts), { startFactor: o.startFactor as number });
  },
};

describe(`schedules over two parameter groups against torch.optim.lr_scheduler ${fixture.torch}`, () => {
  for (const c of fixture.schedules) {
    it(c.schedule, () => {
      const name = c.schedule.split(' ')[0]!;
      const schedule: LearningRate = SCHEDULES[name]!(c.options);
      const params = fixture.groupLrs.map(() => f64([0], [1]));
      // Group 0 takes the schedule's own lr, group 1 an lr of its own; the schedule scales each.
      const opt = sgd(
        params.map((p, i) => (i === 0 ? { params: [p] } : { params: [p], lr: fixture.groupLrs[i]! })),
        { lr: schedule },
      );
      const zero = f64([0], [1]);
      const lrs: number[][] = [];
      for (let step = 0; step < c.lrs.length; step++) {
        lrs.push(opt.paramGroups.map((g) => g.lr));
        opt.step(params.map(() => zero));
      }
      const worst = Math.max(...lrs.map((row, i) => maxRel(row, c.lrs[i]!)));
      expect(log(`${c.schedule} (relative)`, worst)).toBeLessThan(1e-12);
      expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([schedule.baseLr, fixture.groupLrs[1]]);
      opt.dispose();
      for (const t of [...params, zero]) t.dispose();
    });
  }
});

describe(`PlateauScheduler against torch's ReduceLROnPlateau ${fixture.torch}`, () => {
  fixture.plateau.forEach((c, k) => {
    it(`case ${k}: ${JSON.stringify(c.options)}`, () => {
      const params = fixture.groupLrs.map(() => f64([0], [1]));
      const opt = sgd(
        params.map((p, i) => ({ params: [p], lr: fixture.groupLrs[i]! })),
        { lr: fixture.groupLrs[0]! },
      );
      const plateau = new PlateauScheduler(opt, c.options);
      const lrs = c.metrics.map((m) => {
        plateau.step(m);
        return opt.paramGroups.map((g) => g.lr);
      });
      const worst = Math.max(...lrs.map((row, i) => maxRel(row, c.lrs[i]!)));
      expect(log(`plateau case ${k} (relative)`, worst)).toBeLessThan(1e-12);
      opt.dispose();
      for (const p of params) p.dispose();
    });
  });

  it('the fixture exercises reductions, per-group floors and cooldowns', () => {
    const reductions = fixture.plateau.map((c) => new Set(c.lrs.map((r) => r[0])).size - 1);
    expect(reductions.every((n) => n >= 1)).toBe(true);
    // Case 1's floors differ per group: group 1 reaches its floor.
    expect(fixture.plateau[1]!.lrs.at(-1)).toEqual([expect.any(Number), 0.0005]);
  });
});
