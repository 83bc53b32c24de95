import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { type Tensor, memory, tensor } from '@gradstream/core';
import { type Optimizer, adam, adamW, clipGradNorm, rmsprop, sgd } from '@gradstream/core/optim';

const f64 = (v: number[]): Tensor => tensor(new Float64Array(v), [v.length]);
const GRADS = [
  [0.5, -1],
  [0.1, 0.2],
];

/** Two steps from p = [1, −2] with gradients [0.5, −1] then [0.1, 0.2]; the parameter after each. */
function twoSteps(make: (params: Tensor[]) => Optimizer): number[][] {
  const p = f64([1, -2]);
  const opt = make([p]);
  const after = GRADS.map((g) => {
    const grad = f64(g);
    opt.step([grad]);
    grad.dispose();
    return [...p.dataSync()];
  });
  opt.dispose();
  p.dispose();
  return after;
}

const close = (rows: number[][]) => rows.map((r) => r.map((v) => expect.closeTo(v, 12)));

describe('optimizers match hand-computed torch.optim steps', () => {
  it('SGD with momentum starts the buffer at the first gradient', () => {
    // buf = g₁ = [.5, −1]; p = [.95, −1.9]; buf = .9·g₁ + g₂ = [.55, −.7]; p = [.895, −1.83]
    expect(twoSteps((ps) => sgd(ps, { lr: 0.1, momentum: 0.9 }))).toEqual(
      close([
        [0.95, -1.9],
        [0.895, -1.83],
      ]),
    );
    // with weight decay .1 and dampening .5: d₁ = [.6, −1.2] = buf; p = [.94, −1.88]; d₂ = [.194, .012]; buf = [.637, −1.074]
    expect(twoSteps((ps) => sgd(ps, { lr: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.1 }))).toEqual(
      close([
        [0.94, -1.88],
        [0.8763, -1.7726],
      ]),
    );
    expect(twoSteps((ps) => sgd(ps, { lr: 0.1 }))).toEqual(
      close([
        [0.95, -1.9],
        [0.94, -1.92],
      ]),
    );
  });

  it('Nesterov SGD steps along g + momentum·buf', () => {
    // d₁ = 1.9·g₁ = [.95, −1.9]; d₂ = g₂ + .9·[.55, −.7] = [.595, −.43]
    expect(twoSteps((ps) => sgd(ps, { lr: 0.1, momentum: 0.9, nesterov: true }))).toEqual(
      close([
        [0.905, -1.81],
        [0.8455, -1.767],
      ]),
    );
    expect(() => sgd([], { lr: 0.1, nesterov: true })).toThrow(/nesterov/);
  });

  it('Adam: the first step is lr·sign(g), the second bias-corrected', () => {
    expect(twoSteps((ps) => adam(ps, { lr: 0.1 }))).toEqual(
      close([
        [0.900000002, -1.900000001],
        [0.8196959063846516, -1.8488973939904945],
      ]),
    );
    expect(twoSteps((ps) => adam(ps, { lr: 0.1, weightDecay: 0.1 }))).toEqual(
      close([
        [0.9000000016666666, -1.9000000008333333],
        [0.8136483454297575, -1.8336169077420748],
      ]),
    );
  });

  it('AdamW decays the weights apart from the adaptive step', () => {
    // p·(1 − lr·wd) = [.99, −1.98], then −lr·sign(g)
    expect(twoSteps((ps) => adamW(ps, { lr: 0.1, weightDecay: 0.1 }))).toEqual(
      close([
        [0.8900000019999998, -1.880000001],
        [0.8007959063646516, -1.8100973939804945],
      ]),
    );
  });

  it('RMSprop, plain and centered with momentum', () => {
    // sq = .01·g² → √sq = .1·|g| → step = lr·10·sign(g)
    expect(twoSteps((ps) => rmsprop(ps, { lr: 0.01 }))).toEqual(
      close([
        [0.900000019999996, -1.900000009999999],
        [0.8802934383202046, -1.9197065936215374],
      ]),
    );
    expect(twoSteps((ps) => rmsprop(ps, { lr: 0.01, centered: true, momentum: 0.9 }))).toEqual(
      close([
        [0.899496238676095, -1.8994962285750878],
        [0.7891993903633998, -1.8288093938975845],
      ]),
    );
  });

  it('checks gradients against the parameters', () => {
    const p = f64([1, 2]);
    const opt = sgd([p], { lr: 0.1 });
    expect(() => opt.step([])).toThrow(/got 0 gradients for 1 parameters/);
    expect(() => opt.step([f64([1])])).toThrow(/gradient 0 \[1\] does not match parameter \[2\]/);
  });

  it('resumes from a state dict exactly', () => {
    const run = (resume: boolean): number[] => {
      const p = f64([1, -2]);
      let opt = adam([p], { lr: 0.1 });
      const g1 = f64(GRADS[0]!);
      opt.step([g1]);
      if (resume) {
        const saved = opt.stateDict();
        // Round-trip through plain arrays, as a checkpoint file would.
        const plain = {
          step: saved.step,
          state: saved.state.map((s) => Object.fromEntries(Object.entries(s).map(([k, t]) => [k, [...t.dataSync()]]))),
        };
        opt.dispose();
        opt = adam([p], { lr: 0.1 });
        const restored = {
          step: plain.step,
          state: plain.state.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, f64(v)]))),
        };
        opt.loadStateDict(restored);
        for (const s of restored.state) for (const t of Object.values(s)) t.dispose();
        expect(opt.stepCount).toBe(1);
      }
      const g2 = f64(GRADS[1]!);
      opt.step([g2]);
      const out = [...p.dataSync()];
      opt.dispose();
      for (const t of [p, g1, g2]) t.dispose();
      return out;
    };
    expect(run(true)).toEqual(run(false));
    const p = f64([1]);
    expect(() => adam([p]).loadStateDict({ step: 1, state: [{ momentum_buffer: f64([0]) }] })).toThrow(
      /unexpected state 'momentum_buffer'/,
    );
  });

  it('updates in place without leaking: only state tensors remain', () => {
    const p = f64([1, -2]);
    const opt = rmsprop([p], { momentum: 0.9, centered: true });
    const before = memory().numTensors;
    const g = f64([0.5, 0.5]);
    for (let i = 0; i < 10; i++) opt.step([g]);
    g.dispose();
    expect(memory().numTensors).toBe(before + 3);
    opt.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('clipGradNorm', () => {
  it('scales all gradients by maxNorm / global norm, leaving small ones alone', () => {
    const a = f64([3, 0]);
    const b = f64([0, 4]);
    const { grads, norm } = clipGradNorm([a, b], 1);
    expect(norm).toBe(5);
    expect([...grads[0]!.dataSync(), ...grads[1]!.dataSync()]).toEqual(
      [0.6, 0, 0, 0.8].map((v) => expect.closeTo(v, 6)),
    );
    const small = clipGradNorm([a, b], 10);
    expect(small.grads[0]).toBe(a);
  });
});
