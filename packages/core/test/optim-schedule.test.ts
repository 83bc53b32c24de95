import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { tensor } from '@gradstream/core';
import { cosineAnnealingLR, exponentialLR, linearWarmup, oneCycleLR, sgd, stepLR } from '@gradstream/core/optim';

describe('learning-rate schedules', () => {
  it('give torch’s values at chosen steps', () => {
    const step = stepLR({ lr: 0.1, stepSize: 30, gamma: 0.1 });
    expect([0, 29, 30, 59, 60].map(step)).toEqual(
      [0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.01].map((v) => expect.closeTo(v, 15)),
    );
    const exp = exponentialLR({ lr: 1, gamma: 0.5 });
    expect([0, 1, 3].map(exp)).toEqual([1, 0.5, 0.125]);
    const cos = cosineAnnealingLR({ lr: 1, tMax: 100, etaMin: 0.1 });
    expect([0, 50, 100].map(cos)).toEqual([1, 0.55, 0.1].map((v) => expect.closeTo(v, 12)));
    expect(cos(25)).toBeCloseTo(0.1 + (0.9 * (1 + Math.cos(Math.PI / 4))) / 2, 12);
  });

  it('oneCycleLR warms up to maxLr and anneals to maxLr/(div·finalDiv), as torch', () => {
    const s = oneCycleLR({ maxLr: 1, totalSteps: 100 });
    expect(s(0)).toBeCloseTo(0.04, 12);
    // phase 1 ends at step 0.3·100 − 1 = 29
    expect(s(29)).toBeCloseTo(1, 12);
    expect(s(99)).toBeCloseTo(0.04 / 1e4, 12);
    expect(s(200)).toBeCloseTo(0.04 / 1e4, 12);
    expect(s(64)).toBeCloseTo(4e-6 + ((1 - 4e-6) / 2) * (Math.cos((Math.PI * (64 - 29)) / 70) + 1), 12);
    const linear = oneCycleLR({
      maxLr: 1,
      totalSteps: 11,
      pctStart: 0.5,
      annealStrategy: 'linear',
      divFactor: 10,
      finalDivFactor: 1,
    });
    expect(linear(3)).toBeCloseTo(0.1 + 0.9 * (3 / 4.5), 12);
    const three = oneCycleLR({ maxLr: 1, totalSteps: 100, threePhase: true });
    expect(three(58)).toBeCloseTo(0.04, 12);
  });

  it('linearWarmup ramps from startFactor·lr, then hands over to the next schedule', () => {
    const s = linearWarmup(10, cosineAnnealingLR({ lr: 1, tMax: 100 }), { startFactor: 0 });
    expect([0, 5, 10].map(s)).toEqual([0, 0.5, 1]);
    expect(s(60)).toBeCloseTo(0.5, 12);
    expect(linearWarmup(4, 0.2)(2)).toBeCloseTo(0.2 * (1 / 3 + (2 / 3) * 0.5), 12);
  });

  it('attach to an optimizer through lr, consulted before every step; setting lr detaches', () => {
    const p = tensor(new Float64Array([0]));
    const g = tensor(new Float64Array([1]));
    const opt = sgd([p], { lr: stepLR({ lr: 1, stepSize: 2, gamma: 0.5 }) });
    const lrs: number[] = [];
    for (let i = 0; i < 5; i++) {
      lrs.push(opt.lr);
      opt.step([g]);
    }
    expect(lrs).toEqual([1, 1, 0.5, 0.5, 0.25]);
    expect(p.dataSync()[0]).toBeCloseTo(-3.25, 12);
    opt.lr = 0.01;
    expect(opt.schedule).toBeUndefined();
    opt.schedule = exponentialLR({ lr: 2, gamma: 1 });
    expect(opt.lr).toBe(2);
  });
});
