// Channel dropout of issue 19: Dropout1d/2d/3d and their functional forms.
// Torch's masks come from its own generator, so no run matches torch number
// for number; what is checked is torch's definition: each (sample, channel)
// slice is either all zero or x/(1−p), the identity in eval, unbatched
// inputs as torch takes them, the drop rate, and the gradient (the mask),
// on cpu and on wasm.
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  ShapeError,
  type Tensor,
  dropout,
  dropout1d,
  dropout2d,
  dropout3d,
  grad,
  ones,
  randn,
  setBackend,
  setSeed,
  sum,
  tidy,
} from '@gradstream/core';
import { Dropout1d, Dropout2d, Dropout3d } from '@gradstream/core/nn';
import { gradcheck, gradgradcheck } from '@gradstream/core/testing';

/** Per slice of `sliceSize` consecutive values: 0 if dropped, 1 if kept (x/(1−p) everywhere), else a failure. */
function slicePattern(x: ArrayLike<number>, y: ArrayLike<number>, sliceSize: number, p: number): number[] {
  const kept: number[] = [];
  for (let s = 0; s < x.length; s += sliceSize) {
    let zeros = 0;
    let scaled = 0;
    for (let i = s; i < s + sliceSize; i++) {
      if (y[i] === 0) zeros++;
      else if (Math.abs(y[i]! - x[i]! / (1 - p)) <= 1e-6 * Math.abs(x[i]! / (1 - p))) scaled++;
    }
    expect(
      zeros === sliceSize || scaled === sliceSize,
      `slice ${s / sliceSize} is neither dropped nor kept whole`,
    ).toBe(true);
    kept.push(scaled === sliceSize ? 1 : 0);
  }
  return kept;
}

describe.each(['cpu', 'wasm'] as const)('channel dropout on %s', (backend) => {
  beforeAll(() => setBackend(backend));
  afterAll(() => setBackend('cpu'));

  it.each([
    ['Dropout1d', () => new Dropout1d(0.3), [40, 10, 6], 6],
    ['Dropout1d unbatched', () => new Dropout1d(0.3), [400, 6], 6],
    ['Dropout2d', () => new Dropout2d(0.3), [20, 20, 3, 2], 6],
    ['Dropout3d', () => new Dropout3d(0.3), [20, 20, 2, 2, 2], 8],
    ['Dropout3d unbatched', () => new Dropout3d(0.3), [400, 2, 1, 3], 6],
  ] as const)(
    '%s keeps or drops whole channels, scaled by 1/(1−p), at rate p; eval is the identity',
    (_, make, shape, slice) => {
      setSeed(5);
      tidy(() => {
        const layer = make();
        const x = randn([...shape]);
        const kept = slicePattern(x.dataSync(), layer.call(x).dataSync(), slice, 0.3);
        const rate = 1 - kept.reduce((a, b) => a + b, 0) / kept.length;
        // 400 channels: the dropped fraction's standard deviation is 0.023, so this is a 4.3σ band
        expect(Math.abs(rate - 0.3)).toBeLessThan(0.1);
        layer.eval();
        expect(layer.call(x)).toBe(x);
      });
    },
  );

  it('the gradient is the mask: x/(1−p) or 0 per channel, as the forward', () => {
    setSeed(9);
    tidy(() => {
      const x = randn([6, 5, 4]);
      setSeed(11);
      const y = dropout1d(x, 0.5);
      setSeed(11);
      const g = grad((xi: Tensor) => sum(dropout1d(xi, 0.5)))(x);
      const [yv, xv, gv] = [y.dataSync(), x.dataSync(), g.dataSync()];
      for (let i = 0; i < xv.length; i++) expect(gv[i]).toBeCloseTo(yv[i] === 0 ? 0 : 2, 6);
    });
  });

  it('p = 1 zeroes everything and p = 0 or training false is the identity', () => {
    tidy(() => {
      const x = ones([2, 3, 4, 4, 4]);
      expect([...new Set(dropout3d(x, 1).dataSync())]).toEqual([0]);
      expect(dropout3d(x, 0)).toBe(x);
      expect(dropout2d(x, 0.5, false)).toBe(x);
      expect(dropout(x, 0.5, false)).toBe(x);
    });
  });
});

describe('channel dropout checks', () => {
  beforeAll(() => setBackend('cpu'));

  it('gradcheck and gradgradcheck with the seed fixed per evaluation (float64)', () => {
    const seeded =
      (f: (x: Tensor, p: number) => Tensor) =>
      (x: Tensor): Tensor => {
        setSeed(3);
        return f(x, 0.4);
      };
    for (const [f, shape] of [
      [dropout1d, [3, 4, 2]],
      [dropout2d, [3, 4, 2]],
      [dropout3d, [2, 3, 1, 2, 2]],
    ] as const) {
      const x = tidy(() => randn([...shape], 0, 1, 'float64'));
      expect(gradcheck(seeded(f), [x])).toBe(true);
      expect(gradgradcheck(seeded(f), [x])).toBe(true);
    }
  });

  it('refuses ranks torch refuses and p outside [0, 1], naming the op and the shape', () => {
    expect(() => new Dropout1d(1.5)).toThrow(ArgumentError);
    expect(() => new Dropout3d(-0.1)).toThrow(/^Dropout3d: p must be in \[0, 1\], got -0.1/);
    expect(() => dropout1d(ones([2, 3, 4, 5]))).toThrow(ShapeError);
    expect(() => dropout1d(ones([2, 3, 4, 5]))).toThrow(
      /^dropout1d: expects N×C×1-D or unbatched C×1-D input, got \[2,3,4,5\]/,
    );
    expect(() => new Dropout3d().call(ones([2, 3, 4]))).toThrow(/dropout3d: expects N×C×3-D or unbatched C×3-D input/);
  });
});
