// Parameter groups (issue 17 item 2): the no-decay recipe in one line, the
// lr and hyperparameters each group keeps, schedules attached to every
// group, group-aware state dicts and their typed errors, frozen parameters
// skipped, and every optimizer and schedule refusing unknown options.
// Numbers against PyTorch are in optim-torch.test.ts; here the references
// are closed forms written out by hand.
import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { ArgumentError, type Tensor, UnknownOptionError, tensor } from '@gradstream/core';
import { BatchNorm2d, Conv2d, Flatten, Linear, Sequential } from '@gradstream/core/nn';
import {
  OptimizerStateError,
  type OptimizerStateDict,
  PlateauScheduler,
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
  paramGroupsNoDecay,
  polynomialLR,
  radam,
  rmsprop,
  sequentialLR,
  sgd,
  stepLR,
} from '@gradstream/core/optim';
import { thrown } from './expect-throw.js';

function expectThrow<E extends Error>(
  f: () => unknown,
  type: abstract new (...args: never[]) => E,
  message: RegExp,
): void {
  expect(thrown(f, type).message).toMatch(message);
}

const f64 = (v: number[]): Tensor => tensor(Float64Array.from(v), [v.length]);
const values = (t: Tensor): number[] => [...t.dataSync()];

function model(): Sequential {
  return new Sequential([
    new Conv2d(1, 2, 3, { dtype: 'float64' }),
    new BatchNorm2d(2, { dtype: 'float64' }),
    new Flatten(),
    new Linear(8, 3, { dtype: 'float64' }),
  ]);
}

describe('paramGroupsNoDecay', () => {
  it('puts weights in the decayed group and biases and batch-norm parameters in the other', () => {
    const m = model();
    const names = new Map(m.namedParameters().map(([n, t]) => [t, n]));
    const [decay, plain] = paramGroupsNoDecay(m, { weightDecay: 0.05 });
    expect(decay.params.map((t) => names.get(t))).toEqual(['0.weight', '3.weight']);
    expect(plain.params.map((t) => names.get(t))).toEqual(['0.bias', '1.weight', '1.bias', '3.bias']);
    expect([decay.weightDecay, plain.weightDecay]).toEqual([0.05, 0]);
    m.dispose();
  });

  it('with adamW, a zero-gradient step decays only the weights, by the factor 1 − lr·wd', () => {
    const m = model();
    const opt = adamW(paramGroupsNoDecay(m, { weightDecay: 0.5 }), { lr: 0.1 });
    const before = m.namedParameters().map(([n, t]) => [n, values(t)] as const);
    const zeros = opt.params.map((p) => tensor(new Float64Array(p.size), p.shape));
    opt.step(zeros);
    for (const [name, old] of before) {
      const now = values(m.namedParameters().find(([n]) => n === name)![1]);
      // Adam's step is m/(√v + eps) = 0 for a zero gradient; only the decay moves the weights.
      const factor = name.endsWith('weight') && !name.startsWith('1.') ? 1 - 0.1 * 0.5 : 1;
      expect(now).toEqual(old.map((v) => expect.closeTo(v * factor, 14)));
    }
    opt.dispose();
    for (const z of zeros) z.dispose();
    m.dispose();
  });

  it('takes a filter of its own and checks its options', () => {
    const m = model();
    const [decay, plain] = paramGroupsNoDecay(m, { weightDecay: 0.1, noDecay: (name) => name.startsWith('3.') });
    expect(decay.params).toHaveLength(4);
    expect(plain.params).toHaveLength(2);
    expectThrow(() => paramGroupsNoDecay(m, { weightDecay: -1 }), ArgumentError, /paramGroupsNoDecay: weightDecay/);
    expectThrow(
      () => paramGroupsNoDecay(m, { weightDecay: 0.1, weight_decay: 0.1 } as never),
      UnknownOptionError,
      /paramGroupsNoDecay: unknown option 'weight_decay'/,
    );
    m.dispose();
  });
});

describe('parameter groups', () => {
  it('each group keeps its lr and hyperparameters, defaults filling the rest', () => {
    const a = f64([1]);
    const b = f64([1]);
    const opt = sgd(
      [
        { params: [a], lr: 0.5 },
        { params: [b], momentum: 0.9, weightDecay: 0.1 },
      ],
      { lr: 0.1, weightDecay: 0.01 },
    );
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.5, 0.1]);
    expect(opt.paramGroups[0]!.options).toMatchObject({ momentum: 0, weightDecay: 0.01 });
    expect(opt.paramGroups[1]!.options).toMatchObject({ momentum: 0.9, weightDecay: 0.1 });
    expect(opt.params).toEqual([a, b]);
    const g = f64([1]);
    opt.step([g, g]);
    // a: 1 − 0.5·(1 + 0.01·1); b: 1 − 0.1·(1 + 0.1·1)
    expect([values(a)[0], values(b)[0]]).toEqual([expect.closeTo(0.495, 14), expect.closeTo(0.89, 14)]);
    opt.lr = 0.2;
    expect(opt.paramGroups.map((gr) => gr.lr)).toEqual([0.2, 0.2]);
    opt.paramGroups[1]!.lr = 0.03;
    expect(opt.paramGroups.map((gr) => gr.lr)).toEqual([0.2, 0.03]);
    opt.dispose();
    for (const t of [a, b, g]) t.dispose();
  });

  it('a schedule set on the optimizer drives every group from its initial lr', () => {
    const a = f64([0]);
    const b = f64([0]);
    const opt = sgd([{ params: [a] }, { params: [b], lr: 0.01 }], { lr: 1 });
    opt.schedule = stepLR({ lr: 0.1, stepSize: 2, gamma: 0.5 });
    const z = f64([0]);
    const lrs: number[][] = [];
    for (let i = 0; i < 5; i++) {
      lrs.push(opt.paramGroups.map((g) => g.lr));
      opt.step([z, z]);
    }
    const expected = [1, 1, 0.5, 0.5, 0.25].map((f) => [0.1 * f, 0.01 * f]);
    expect(lrs).toEqual(expected.map((r) => r.map((v) => expect.closeTo(v, 15))));
    opt.schedule = undefined;
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([expect.closeTo(0.025, 15), expect.closeTo(0.0025, 15)]);
    opt.dispose();
    for (const t of [a, b, z]) t.dispose();
  });

  it('refuses unknown group options, a parameter in two groups and invalid group hyperparameters', () => {
    const a = f64([0]);
    expectThrow(
      () => sgd([{ params: [a] }, { params: [f64([0])], weight_decay: 0 } as never], { lr: 0.1 }),
      UnknownOptionError,
      /^sgd group 1: unknown option 'weight_decay'/,
    );
    expectThrow(
      () => adam([{ params: [a] }, { params: [a] }]),
      ArgumentError,
      /adam group 1: parameter .* more than one/,
    );
    expectThrow(
      () => sgd([{ params: [a], nesterov: true }], { lr: 0.1 }),
      ArgumentError,
      /sgd group 0: nesterov momentum needs/,
    );
    expectThrow(() => adam([{ params: [a], betas: [0.9, 1] }]), ArgumentError, /adam group 0: betas\[1\] must be in/);
    a.dispose();
  });

  it('skips parameters without a gradient and frozen ones: no decay, no state, no step counted', () => {
    const a = f64([1, 2]);
    const b = f64([3]);
    const opt = adam([a, b], { lr: 0.1, weightDecay: 0.5 });
    const g = f64([1]);
    opt.step([undefined, g]);
    expect(values(a)).toEqual([1, 2]);
    expect(Object.keys(opt.stateDict().state[0]!)).toEqual([]);
    (b as { requiresGrad: boolean }).requiresGrad = false;
    const bBefore = values(b);
    opt.step([f64([1, 1]), g]);
    expect(values(b)).toEqual(bBefore);
    expect(opt.stateDict().paramSteps).toEqual([1, 1]);
    // a's first real step is Adam's first: lr·sign(g + wd·p) = 0.1 each.
    expect(values(a)).toEqual([expect.closeTo(0.9, 8), expect.closeTo(1.9, 8)]);
    opt.dispose();
    for (const t of [a, b, g]) t.dispose();
  });
});

describe('optimizer state dicts keep groups', () => {
  const build = (a: Tensor, b: Tensor) =>
    adam(
      [
        { params: [a], amsgrad: true },
        { params: [b], lr: 0.02, weightDecay: 0.1 },
      ],
      { lr: 0.05 },
    );
  const grads = [
    [0.3, -1],
    [0.5, 0.2],
    [-0.4, 0.1],
    [0.2, 0.6],
  ];

  it('resumes exactly, groups, lrs and hyperparameters included, through plain arrays', () => {
    const run = (resume: boolean): number[] => {
      const a = f64([1]);
      const b = f64([-1]);
      let opt = build(a, b);
      const step = (k: number) => {
        const [ga, gb] = [f64([grads[k]![0]!]), f64([grads[k]![1]!])];
        opt.step([ga, gb]);
        ga.dispose();
        gb.dispose();
      };
      step(0);
      step(1);
      opt.paramGroups[1]!.lr = 0.007; // e.g. a plateau reduction
      if (resume) {
        const saved = opt.stateDict();
        const plain = JSON.parse(
          JSON.stringify({
            ...saved,
            state: saved.state.map((s) => Object.fromEntries(Object.entries(s).map(([k, t]) => [k, values(t)]))),
          }),
        ) as Omit<OptimizerStateDict, 'state'> & { state: Record<string, number[]>[] };
        opt.dispose();
        // A fresh optimizer with other defaults: the state dict brings the groups' own back.
        opt = adam([{ params: [a] }, { params: [b], lr: 0.02 }], { lr: 0.05 });
        const restored = {
          ...plain,
          state: plain.state.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, f64(v)]))),
        };
        opt.loadStateDict(restored);
        for (const s of restored.state) for (const t of Object.values(s)) t.dispose();
        expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.007]);
        expect(opt.paramGroups[0]!.options.amsgrad).toBe(true);
        expect(opt.paramGroups[1]!.options.weightDecay).toBe(0.1);
      }
      step(2);
      step(3);
      const out = [...values(a), ...values(b)];
      opt.dispose();
      a.dispose();
      b.dispose();
      return out;
    };
    expect(run(true)).toEqual(run(false));
  });

  it('a state dict for other groups is an OptimizerStateError naming what differs', () => {
    const a = f64([1]);
    const b = f64([1]);
    const c = f64([1]);
    const two = build(a, b);
    const g = f64([1]);
    two.step([g, g]);
    const sd = two.stateDict();
    const one = adam([a, b]);
    expectThrow(() => one.loadStateDict(sd), OptimizerStateError, /the state has 2 parameter groups, the optimizer 1/);
    const sizes = adam([{ params: [a, b] }, { params: [c] }]);
    expectThrow(
      () => sizes.loadStateDict({ ...sd, state: [...sd.state, {}], paramSteps: [1, 1, 0] }),
      OptimizerStateError,
      /group 0 has 1 parameters in the state, 2 in the optimizer/,
    );
    const same = build(a, b);
    expectThrow(
      () => same.loadStateDict({ ...sd, groups: [sd.groups![0]!, { ...sd.groups![1]!, options: { momentum: 0.9 } }] }),
      OptimizerStateError,
      /group 1 has unknown hyperparameters momentum/,
    );
    const noAmsgrad = adam([{ params: [a] }, { params: [b] }]);
    expectThrow(
      () => noAmsgrad.loadStateDict({ ...sd, groups: undefined }),
      OptimizerStateError,
      /parameter 0: unexpected state 'max_exp_avg_sq'/,
    );
    for (const o of [two, one, sizes, same, noAmsgrad]) o.dispose();
    for (const t of [a, b, c, g]) t.dispose();
  });
});

describe('no option is silently ignored', () => {
  const p = (): Tensor[] => [f64([0])];
  const cases: [string, () => unknown][] = [
    ['sgd', () => sgd(p(), { lr: 0.1, momentun: 0.9 } as never)],
    ['adam', () => adam(p(), { amsGrad: true } as never)],
    ['adamW', () => adamW(p(), { decoupled: true } as never)],
    ['rmsprop', () => rmsprop(p(), { beta: 0.9 } as never)],
    ['adagrad', () => adagrad(p(), { lr_decay: 0.1 } as never)],
    ['adadelta', () => adadelta(p(), { alpha: 0.9 } as never)],
    ['adamax', () => adamax(p(), { amsgrad: true } as never)],
    ['nadam', () => nadam(p(), { decoupledWeightDecay: true } as never)],
    ['radam', () => radam(p(), { amsgrad: true } as never)],
    ['stepLR', () => stepLR({ lr: 1, stepSize: 1, step_size: 2 } as never)],
    ['multiStepLR', () => multiStepLR({ lr: 1, milestones: [1], last: 1 } as never)],
    ['exponentialLR', () => exponentialLR({ lr: 1, gamma: 0.9, verbose: true } as never)],
    ['constantLR', () => constantLR({ lr: 1, iters: 2 } as never)],
    ['linearLR', () => linearLR({ lr: 1, end: 0.5 } as never)],
    ['polynomialLR', () => polynomialLR({ lr: 1, degree: 2 } as never)],
    ['lambdaLR', () => lambdaLR({ lr: 1, lrLambda: () => 1, lambda: 1 } as never)],
    ['cosineAnnealingLR', () => cosineAnnealingLR({ lr: 1, tMax: 2, T_max: 2 } as never)],
    ['cosineAnnealingWarmRestarts', () => cosineAnnealingWarmRestarts({ lr: 1, t0: 2, T_0: 2 } as never)],
    ['cyclicLR', () => cyclicLR({ baseLr: 0.1, maxLr: 1, cycleMomentum: true } as never)],
    ['oneCycleLR', () => oneCycleLR({ maxLr: 1, totalSteps: 10, cycleMomentum: true } as never)],
    ['linearWarmup', () => linearWarmup(2, 0.1, { endFactor: 0.5 } as never)],
    [
      'sequentialLR',
      () => sequentialLR({ schedules: [stepLR({ lr: 1, stepSize: 1 })], milestones: [], last: 0 } as never),
    ],
    ['PlateauScheduler', () => new PlateauScheduler(sgd(p(), { lr: 0.1 }), { min_lr: 0.1 } as never)],
  ];
  for (const [where, make] of cases)
    it(where, () => {
      expectThrow(make, UnknownOptionError, new RegExp(`^${where}: unknown option '`));
    });

  it('a bare function is not a schedule (it has no per-group rule)', () => {
    expectThrow(
      () => sgd(p(), { lr: ((s: number) => 0.1 * s) as never }),
      ArgumentError,
      /wrap a plain function .* lambdaLR/,
    );
  });

  it('sequentialLR refuses schedules built with different lrs and misplaced milestones', () => {
    const s = (lr: number) => stepLR({ lr, stepSize: 1 });
    expectThrow(
      () => sequentialLR({ schedules: [s(1), s(2)], milestones: [3] }),
      ArgumentError,
      /schedule 1 was built with lr 2/,
    );
    expectThrow(() => sequentialLR({ schedules: [s(1), s(1)], milestones: [] }), ArgumentError, /one milestone fewer/);
  });

  it('PlateauScheduler refuses groups that follow a schedule and minLr of the wrong length', () => {
    const opt = sgd(p(), { lr: stepLR({ lr: 1, stepSize: 1 }) });
    expectThrow(() => new PlateauScheduler(opt), ArgumentError, /group 0 follows a schedule/);
    expectThrow(
      () => new PlateauScheduler(sgd(p(), { lr: 1 }), { minLr: [0, 0] }),
      ArgumentError,
      /minLr has 2 entries for 1/,
    );
  });
});
