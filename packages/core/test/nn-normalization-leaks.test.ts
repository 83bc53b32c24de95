// The composed losses, normalizations and dropouts of issue 19 hold no
// tensor past the tidy that ran them, in training (running statistics
// replaced in place) and in eval, forward and backward; a call refused part
// way leaves nothing behind either, outside tidy too.
import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import {
  type Tensor,
  batchNorm,
  dropout1d,
  grad,
  groupNorm,
  instanceNorm,
  layerNorm,
  localResponseNorm,
  memory,
  ones,
  randn,
  softmax,
  sum,
  tensor,
  tidy,
  zeros,
} from '@gradstream/core';
import {
  BatchNorm3d,
  Dropout3d,
  GroupNorm,
  InstanceNorm2d,
  LayerNorm,
  LocalResponseNorm,
  type Module,
  crossEntropy,
  huberLoss,
  klDiv,
  marginRankingLoss,
  nllLoss,
  smoothL1Loss,
} from '@gradstream/core/nn';

const int = (v: number[]): Tensor => tensor(Int32Array.from(v), [v.length], 'int32');

/** Runs `f` (forward and gradient) in tidy a few times: the live count must not move. */
function expectNoLeak(f: (x: Tensor) => Tensor, x: Tensor): void {
  const run = () =>
    tidy(() => {
      f(x);
      grad((xi: Tensor) => sum(f(xi)))(x);
    });
  run();
  const before = memory().numTensors;
  for (let i = 0; i < 3; i++) run();
  expect(memory().numTensors).toBe(before);
}

describe('no tensor outlives its tidy', () => {
  it.each([
    ['BatchNorm3d', () => new BatchNorm3d(3), [2, 3, 2, 2, 2]],
    ['BatchNorm3d momentum null', () => new BatchNorm3d(3, { momentum: null }), [2, 3, 2, 2, 2]],
    ['InstanceNorm2d tracked', () => new InstanceNorm2d(3, { trackRunningStats: true, affine: true }), [2, 3, 3, 3]],
    ['InstanceNorm2d unbatched', () => new InstanceNorm2d(3), [3, 3, 3]],
    ['LayerNorm', () => new LayerNorm([3, 4]), [2, 3, 4]],
    ['GroupNorm', () => new GroupNorm(3, 6), [2, 6, 4]],
    ['LocalResponseNorm', () => new LocalResponseNorm(3), [2, 5, 2, 2]],
    ['Dropout3d', () => new Dropout3d(0.4), [2, 3, 2, 2, 2]],
  ] as const)('%s in training and in eval', (_, make, shape) => {
    const m: Module = make();
    const x = randn([...shape]);
    expectNoLeak((xi) => m.call(xi), x);
    m.eval();
    expectNoLeak((xi) => m.call(xi), x);
    m.dispose();
    x.dispose();
  });

  it('the functional forms, running statistics included', () => {
    const x = randn([2, 4, 3]);
    const [rm, rv] = [zeros([4]), ones([4])];
    expectNoLeak((xi) => batchNorm(xi, { runningMean: rm, runningVar: rv, training: true }), x);
    expectNoLeak((xi) => instanceNorm(xi, { runningMean: rm, runningVar: rv }), x);
    expectNoLeak((xi) => layerNorm(xi, [3]), x);
    expectNoLeak((xi) => groupNorm(xi, 2), x);
    expectNoLeak((xi) => localResponseNorm(xi, 2), x);
    expectNoLeak((xi) => dropout1d(xi, 0.5), x);
  });

  it('the losses with weights, ignored targets and smoothing', () => {
    const logits = randn([4, 3]);
    const w = tensor([0.5, 2, 1]);
    const y = int([0, 2, -100, 1]);
    expectNoLeak((l) => crossEntropy(l, y, { weight: w, labelSmoothing: 0.1 }), logits);
    expectNoLeak((l) => nllLoss(l, int([0, 1, 1, 2]), { weight: w, ignoreIndex: 1 }), logits);
    const t = randn([4, 3]);
    expectNoLeak((a) => smoothL1Loss(a, t, { beta: 0.5 }), logits);
    expectNoLeak((a) => huberLoss(a, t, { delta: 0.5 }), logits);
    const p = tidy(() => softmax(t, 1));
    expectNoLeak((a) => klDiv(a, p, { reduction: 'batchmean' }), logits);
    expectNoLeak((a) => marginRankingLoss(a, t, ones([4, 3])), logits);
  });
});

describe('a refused call frees what it made, outside tidy', () => {
  it('bad statistics, shapes and targets leave the live count where it was', () => {
    const x = randn([2, 4, 3]);
    const before = memory().numTensors;
    expect(() => batchNorm(x, { runningMean: zeros([4]), runningVar: ones([3]), training: true })).toThrow();
    expect(() => instanceNorm(randn([2, 4, 1]))).toThrow();
    expect(() => crossEntropy(randn([2, 4]), int([0, 7]), { weight: ones([4]) })).toThrow();
    expect(() => new InstanceNorm2d(4).call(x)).toThrow();
    // the refused calls' own arguments (the tensors built in the lines above) are the caller's to free
    const argumentsMade = 2 + 1 + 3;
    expect(memory().numTensors).toBe(before + argumentsMade);
  });
});
