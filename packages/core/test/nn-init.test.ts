import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { setSeed } from '@gradstream/core';
import {
  calculateGain,
  fanInAndFanOut,
  glorotUniform,
  init,
  kaimingNormal,
  kaimingUniform,
  xavierNormal,
  xavierUniform,
} from '@gradstream/core/nn';

function stats(values: ArrayLike<number>): { mean: number; std: number; max: number } {
  let s = 0;
  let s2 = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    s += values[i]!;
    s2 += values[i]! ** 2;
    max = Math.max(max, Math.abs(values[i]!));
  }
  const mean = s / values.length;
  return { mean, std: Math.sqrt(s2 / values.length - mean * mean), max };
}

describe('initializers', () => {
  it('compute fans and gains as torch.nn.init', () => {
    expect(fanInAndFanOut([64, 3, 3, 3])).toEqual({ fanIn: 27, fanOut: 576 });
    expect(fanInAndFanOut([10, 20])).toEqual({ fanIn: 20, fanOut: 10 });
    expect(calculateGain('relu')).toBeCloseTo(Math.SQRT2);
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3);
    expect(calculateGain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3));
  });

  it('draw with the documented spread, from the seeded generator', () => {
    setSeed(3);
    const shape = [128, 64, 3, 3];
    const fanIn = 64 * 9;
    const fanOut = 128 * 9;
    const kn = stats(kaimingNormal(shape, { nonlinearity: 'relu' }).dataSync());
    expect(kn.std).toBeCloseTo(Math.SQRT2 / Math.sqrt(fanIn), 3);
    const ku = stats(kaimingUniform(shape, { mode: 'fanOut' }).dataSync());
    expect(ku.max).toBeLessThanOrEqual(Math.sqrt(6 / fanOut));
    expect(ku.std).toBeCloseTo(Math.sqrt(2 / fanOut), 3);
    const xu = stats(xavierUniform(shape).dataSync());
    expect(xu.max).toBeLessThanOrEqual(Math.sqrt(6 / (fanIn + fanOut)));
    expect(xu.std).toBeCloseTo(Math.sqrt(2 / (fanIn + fanOut)), 3);
    const xn = stats(xavierNormal(shape, { gain: 2, dtype: 'float64' }).dataSync());
    expect(xn.std).toBeCloseTo(2 * Math.sqrt(2 / (fanIn + fanOut)), 3);
    expect(glorotUniform).toBe(xavierUniform);
    expect([...init.zeros([3]).dataSync()]).toEqual([0, 0, 0]);
    expect([...init.ones([2], 'float64').dataSync()]).toEqual([1, 1]);
    setSeed(3);
    expect(stats(kaimingNormal(shape, { nonlinearity: 'relu' }).dataSync())).toEqual(kn);
  });
});
