import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { type Tensor, add, concat, conv2d, matmul, ones, rand, randn, setSeed, tensor, tidy } from '@gradstream/core';
import {
  AdaptiveAvgPool2d,
  AvgPool1d,
  AvgPool2d,
  AvgPool3d,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Conv3d,
  ConvTranspose2d,
  Dropout,
  Dropout2d,
  Flatten,
  GlobalAvgPool,
  Identity,
  LeakyReLU,
  Linear,
  LocallyConnected2d,
  LpPool1d,
  LpPool2d,
  LpPool3d,
  Inception,
  MaxPool1d,
  MaxPool2d,
  MaxPool3d,
  Maxout,
  Parallel,
  ReLU,
  Residual,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
  TiledConv2d,
} from '@gradstream/core/nn';

const shapeOf = (m: { call(x: Tensor): Tensor }, shape: number[]): readonly number[] =>
  tidy(() => m.call(randn(shape)).shape);

describe('layers', () => {
  it('produce the output shapes PyTorch would', () => {
    setSeed(0);
    expect(shapeOf(new Linear(6, 3), [2, 5, 6])).toEqual([2, 5, 3]);
    expect(shapeOf(new Conv1d(2, 4, 3, { padding: 1 }), [1, 2, 10])).toEqual([1, 4, 10]);
    expect(shapeOf(new Conv2d(3, 16, 3, { padding: 1, stride: 2 }), [2, 3, 8, 8])).toEqual([2, 16, 4, 4]);
    expect(shapeOf(new Conv2d(4, 4, 3, { padding: 'same', groups: 4, dilation: 2 }), [1, 4, 7, 7])).toEqual([
      1, 4, 7, 7,
    ]);
    expect(shapeOf(new Conv3d(1, 2, 2), [1, 1, 3, 3, 3])).toEqual([1, 2, 2, 2, 2]);
    expect(shapeOf(new ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }), [1, 8, 7, 7])).toEqual([
      1, 4, 14, 14,
    ]);
    expect(shapeOf(new LocallyConnected2d(1, 2, [6, 6], 3), [2, 1, 6, 6])).toEqual([2, 2, 4, 4]);
    expect(shapeOf(new TiledConv2d(1, 4, 3, { tiles: 2 }), [1, 1, 8, 8])).toEqual([1, 4, 6, 6]);
    expect(shapeOf(new MaxPool1d(2), [1, 2, 8])).toEqual([1, 2, 4]);
    expect(shapeOf(new MaxPool2d(3, { stride: 2, padding: 1 }), [1, 2, 8, 8])).toEqual([1, 2, 4, 4]);
    expect(shapeOf(new MaxPool3d(2), [1, 1, 4, 4, 4])).toEqual([1, 1, 2, 2, 2]);
    expect(shapeOf(new AvgPool1d(2), [1, 2, 8])).toEqual([1, 2, 4]);
    expect(shapeOf(new AvgPool2d(2, { ceilMode: true }), [1, 2, 5, 5])).toEqual([1, 2, 3, 3]);
    expect(shapeOf(new AvgPool3d(2), [1, 1, 4, 4, 4])).toEqual([1, 1, 2, 2, 2]);
    expect(tidy(() => new LpPool1d(2, 2).call(ones([1, 1, 4])).shape)).toEqual([1, 1, 2]);
    expect(tidy(() => new LpPool2d(2, 2).call(ones([1, 1, 4, 4])).shape)).toEqual([1, 1, 2, 2]);
    expect(tidy(() => new LpPool3d(2, 2).call(ones([1, 2, 4, 5, 6])).shape)).toEqual([1, 2, 2, 2, 3]);
    expect(tidy(() => new LpPool3d(3, [1, 2, 3], { stride: 1 }).call(ones([1, 1, 3, 4, 5])).shape)).toEqual([
      1, 1, 3, 3, 3,
    ]);
    expect(shapeOf(new AdaptiveAvgPool2d([2, 3]), [1, 3, 7, 9])).toEqual([1, 3, 2, 3]);
    expect(shapeOf(new GlobalAvgPool(), [2, 5, 3, 3])).toEqual([2, 5, 1, 1]);
    expect(shapeOf(new Maxout(3), [2, 12, 5, 5])).toEqual([2, 4, 5, 5]);
    expect(shapeOf(new Flatten(), [2, 3, 4, 5])).toEqual([2, 60]);
    for (const m of [new ReLU(), new LeakyReLU(0.2), new Tanh(), new Sigmoid(), new Softmax(), new Identity()])
      expect(shapeOf(m, [2, 3])).toEqual([2, 3]);
  });

  it('compute what the functional ops compute', () => {
    const conv = new Conv2d(2, 3, 3, { padding: 1 });
    const x = randn([1, 2, 5, 5]);
    const expected = tidy(() => conv2d(x, conv.weight, { padding: 1, bias: conv.bias }).dataSync());
    expect(tidy(() => conv.call(x).dataSync())).toEqual(expected);
    const fc = new Linear(2, 2, { bias: false });
    expect(fc.bias).toBeUndefined();
    expect(fc.parameters()).toHaveLength(1);
    expect(tidy(() => new LeakyReLU(0.5).call(tensor([-2, 3])).dataSync())).toEqual(new Float32Array([-1, 3]));
    expect(tidy(() => new LpPool1d(2, 2).call(tensor([[[3, 4]]])).dataSync()[0])).toBeCloseTo(5, 5);
  });
});

/** (Σ xᵖ)^(1/p) over each k×k×k window with stride s of a 1×1×n×n×n volume, looping over the raw values. */
function lpPool3dByHand(values: Float32Array, n: number, p: number, k: number, s: number): number[] {
  const out: number[] = [];
  const m = Math.floor((n - k) / s) + 1;
  for (let d = 0; d < m; d++)
    for (let h = 0; h < m; h++)
      for (let w = 0; w < m; w++) {
        let sum = 0;
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++)
            for (let l = 0; l < k; l++) sum += values[((d * s + i) * n + h * s + j) * n + w * s + l]! ** p;
        out.push(sum ** (1 / p));
      }
  return out;
}

describe('LpPool3d', () => {
  it('takes the p-norm of each window, as a loop over the volume does', () => {
    setSeed(5);
    const x = rand([1, 1, 5, 5, 5]);
    const values = x.dataSync() as Float32Array;
    for (const [p, k, s] of [
      [2, 2, 2],
      [3, 3, 1],
      [1, 2, 3],
    ] as const) {
      const y = tidy(() => Array.from(new LpPool3d(p, k, { stride: s }).call(x).dataSync()));
      const expected = lpPool3dByHand(values, 5, p, k, s);
      expect(y).toHaveLength(expected.length);
      y.forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i]!, 4);
      });
    }
    x.dispose();
  });
});

describe('BatchNorm', () => {
  it('normalizes with the biased batch variance and folds the unbiased one into running_var (momentum 0.1)', () => {
    const bn = new BatchNorm1d(1, { dtype: 'float64' });
    const x = tensor(new Float64Array([1, 2, 3, 4]), [4, 1]);
    const y = tidy(() => bn.call(x).dataSync());
    const sd = 1 / Math.sqrt(1.25 + 1e-5);
    [1, 2, 3, 4].forEach((v, i) => {
      expect(y[i]).toBeCloseTo((v - 2.5) * sd, 12);
    });
    expect(bn.runningMean!.dataSync()[0]).toBeCloseTo(0.25, 12);
    expect(bn.runningVar!.dataSync()[0]).toBeCloseTo(0.9 + 0.1 * (5 / 3), 12);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    bn.eval();
    const z = tidy(() => bn.call(x).dataSync());
    const rsd = 1 / Math.sqrt(0.9 + 0.1 * (5 / 3) + 1e-5);
    [1, 2, 3, 4].forEach((v, i) => {
      expect(z[i]).toBeCloseTo((v - 0.25) * rsd, 12);
    });
    expect(bn.numBatchesTracked!.item()).toBe(1);
  });

  it('averages all batches equally with momentum null, and uses batch stats without running stats', () => {
    const bn = new BatchNorm2d(2, { momentum: null, dtype: 'float64' });
    setSeed(5);
    const a = randn([3, 2, 2, 2], 1, 2, 'float64');
    const b = randn([3, 2, 2, 2], -1, 1, 'float64');
    tidy(() => bn.call(a));
    tidy(() => bn.call(b));
    const channelMean = (t: Tensor, c: number): number => {
      const v = t.dataSync();
      let s = 0;
      for (let n = 0; n < 3; n++) for (let k = 0; k < 4; k++) s += v[n * 8 + c * 4 + k]!;
      return s / 12;
    };
    for (const c of [0, 1])
      expect(bn.runningMean!.dataSync()[c]).toBeCloseTo((channelMean(a, c) + channelMean(b, c)) / 2, 12);
    const free = new BatchNorm2d(2, { trackRunningStats: false, affine: false });
    expect(free.stateDict().size).toBe(0);
    free.eval();
    const out = tidy(() => free.call(randn([4, 2, 3, 3], 5, 3)).dataSync());
    expect(Math.abs(Array.from(out).reduce((s, v) => s + v, 0) / out.length)).toBeLessThan(1e-5);
  });

  it('rejects one value per channel in training, as torch does', () => {
    expect(() => tidy(() => new BatchNorm1d(3).call(ones([1, 3])))).toThrow(/more than one value per channel/);
  });
});

describe('Dropout', () => {
  it('zeroes with probability p, scales survivors by 1/(1−p), and is the identity in eval', () => {
    setSeed(11);
    const d = new Dropout(0.25);
    const x = ones([4000]);
    const y = tidy(() => d.call(x).dataSync());
    const zeros = y.filter((v) => v === 0).length;
    expect(new Set(y)).toEqual(new Set([0, 4 / 3].map((v) => Math.fround(v))));
    expect(zeros / y.length).toBeGreaterThan(0.22);
    expect(zeros / y.length).toBeLessThan(0.28);
    setSeed(11);
    expect(tidy(() => d.call(x).dataSync())).toEqual(y);
    d.eval();
    expect(d.call(x)).toBe(x);
  });

  it('Dropout2d drops whole channels', () => {
    setSeed(12);
    const y = tidy(() => new Dropout2d(0.5).call(ones([4, 8, 3, 3])).dataSync());
    for (let ch = 0; ch < 32; ch++) expect(new Set(y.subarray(ch * 9, ch * 9 + 9)).size).toBe(1);
    expect(new Set(y)).toEqual(new Set([0, 2]));
  });
});

describe('containers', () => {
  it('Residual adds the body to the input or to its projection', () => {
    const x = randn([2, 4]);
    const body = new Linear(4, 4);
    const plain = new Residual(body);
    expect(tidy(() => plain.call(x).dataSync())).toEqual(tidy(() => add(body.call(x), x).dataSync()));
    const wide = new Linear(4, 6);
    const proj = new Linear(4, 6, { bias: false });
    const projected = new Residual(wide, { projection: proj });
    expect([...projected.stateDict().keys()]).toEqual(['body.weight', 'body.bias', 'projection.weight']);
    expect(tidy(() => projected.call(x).dataSync())).toEqual(
      tidy(() => add(wide.call(x), matmul(x, proj.weight, { transposeB: true })).dataSync()),
    );
  });

  it('Parallel concatenates branch outputs on channels, an Inception block', () => {
    const x = randn([2, 16, 8, 8]);
    const branches = {
      branch1x1: new Conv2d(16, 8, 1),
      branch3x3: new Conv2d(16, 4, 3, { padding: 1 }),
      pool: new MaxPool2d(3, { stride: 1, padding: 1 }),
    };
    const block = new Parallel(branches);
    expect(block.namedChildren().map(([k]) => k)).toEqual(['branch1x1', 'branch3x3', 'pool']);
    const y = tidy(() => block.call(x).dataSync());
    const expected = tidy(() =>
      concat(
        Object.values(branches).map((b) => b.call(x)),
        1,
      ).dataSync(),
    );
    expect(y).toEqual(expected);
    expect(tidy(() => block.call(x).shape)).toEqual([2, 28, 8, 8]);
  });

  it('Inception runs its branches on one input and concatenates them on channels', () => {
    setSeed(6);
    const x = randn([2, 4, 6, 6]);
    const b1 = new Conv2d(4, 3, 1);
    const b3 = new Sequential([new Conv2d(4, 2, 1), new ReLU(), new Conv2d(2, 5, 3, { padding: 1 })]);
    const pool = new MaxPool2d(3, { stride: 1, padding: 1 });
    const block = new Inception({ b1, b3, pool });
    expect(block).toBeInstanceOf(Parallel);
    expect([...block.stateDict().keys()]).toEqual([
      'b1.weight',
      'b1.bias',
      'b3.0.weight',
      'b3.0.bias',
      'b3.2.weight',
      'b3.2.bias',
    ]);
    const y = tidy(() => block.call(x).dataSync());
    expect(tidy(() => block.call(x).shape)).toEqual([2, 3 + 5 + 4, 6, 6]);
    // Channel c of sample n of the output is channel c' of one branch's output, copied element by element.
    const parts = tidy(() =>
      [b1, b3, pool].map((b) => {
        const o = b.call(x);
        return { c: o.shape[1]!, v: o.dataSync() };
      }),
    );
    const hw = 36;
    const expected = new Float32Array(y.length);
    for (let n = 0, at = 0; n < 2; n++) {
      for (const { c, v } of parts) {
        expected.set(v.subarray(n * c * hw, (n + 1) * c * hw), at);
        at += c * hw;
      }
    }
    expect(y).toEqual(expected);
    x.dispose();
  });

  it('Sequential appends with add and indexes with at', () => {
    const s = new Sequential().add(new Linear(2, 3)).add(new ReLU());
    expect(s.length).toBe(2);
    expect(s.at(-1)).toBeInstanceOf(ReLU);
    expect([...s.stateDict().keys()]).toEqual(['0.weight', '0.bias']);
  });
});
