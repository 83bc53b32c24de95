// The losses of issue 19 against PyTorch 1.13 (fixtures/losses.py wrote
// fixtures/losses.json): class weights and ignored targets for crossEntropy
// and nllLoss with torch's weighted mean, weights for the binary losses, L1,
// smooth L1, Huber, KL divergence and margin ranking, every reduction. Each
// runs in float64 on cpu and float32 on wasm; each new loss also passes
// gradcheck and gradgradcheck and matches a naive loop written here.
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  type DType,
  type Tensor,
  UnknownOptionError,
  logSoftmax,
  setBackend,
  softmax,
  sum,
  tensor,
  tidy,
  valueAndGrads,
} from '@gradstream/core';
import {
  bce,
  bceWithLogits,
  crossEntropy,
  huberLoss,
  klDiv,
  l1Loss,
  marginRankingLoss,
  mse,
  nllLoss,
  smoothL1Loss,
} from '@gradstream/core/nn';
import { gradcheck, gradgradcheck } from '@gradstream/core/testing';
import {
  type FixtureArray,
  differenceLog,
  isFixtureArray,
  loadFixture,
  maxAbsDiff,
  toTensor,
} from './torch-fixtures.js';

interface LossCase {
  readonly name: string;
  readonly fn: string;
  readonly inputs: Record<string, FixtureArray>;
  readonly options: Record<string, unknown>;
  readonly output: FixtureArray;
  readonly grads: Record<string, FixtureArray>;
}

const fixture = loadFixture<{ cases: LossCase[] }>('losses.json');

type Loss = (inputs: Record<string, Tensor>, options: Record<string, unknown>) => Tensor;
const LOSSES: Record<string, Loss> = {
  crossEntropy: (i, o) => crossEntropy(i.input!, i.target!, o),
  nllLoss: (i, o) => nllLoss(i.input!, i.target!, o),
  bceWithLogits: (i, o) => bceWithLogits(i.input!, i.target!, o),
  bce: (i, o) => bce(i.input!, i.target!, o),
  l1Loss: (i, o) => l1Loss(i.input!, i.target!, o),
  smoothL1Loss: (i, o) => smoothL1Loss(i.input!, i.target!, o),
  huberLoss: (i, o) => huberLoss(i.input!, i.target!, o),
  klDiv: (i, o) => klDiv(i.input!, i.target!, o),
  marginRankingLoss: (i, o) => marginRankingLoss(i.input!, i.input2!, i.target!, o),
};

/** Runs a case on the active backend: the output and the gradients of its sum, as differences from torch. */
function runCase(c: LossCase, dtype: DType): { output: number; grads: number[] } {
  return tidy(() => {
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, toTensor(v, dtype)]));
    const options = Object.fromEntries(
      Object.entries(c.options).map(([k, v]) => [k, isFixtureArray(v) ? toTensor(v, dtype) : v]),
    );
    const names = Object.keys(c.grads);
    const { value, grads } = valueAndGrads((...xs: Tensor[]) => {
      const named = { ...inputs, ...Object.fromEntries(names.map((n, i) => [n, xs[i]!])) };
      return sum(LOSSES[c.fn]!(named, options));
    })(names.map((n) => inputs[n]!));
    const out = LOSSES[c.fn]!(inputs, options);
    expect(
      maxAbsDiff(sum(out), { shape: [], data: [c.output.data.reduce((a, b) => a + b, 0)], dtype: 'float64' }),
    ).toBeLessThan(Math.max(1, Math.abs(value.item())) * (dtype === 'float64' ? 1e-12 : 1e-5));
    return { output: maxAbsDiff(out, c.output), grads: names.map((n, i) => maxAbsDiff(grads[i]!, c.grads[n]!)) };
  });
}

const record = differenceLog('losses');

describe.each([
  ['cpu', 'float64', 1e-12],
  ['wasm', 'float32', 2e-5],
] as const)('losses against PyTorch 1.13 on %s (%s)', (backend, dtype, tol) => {
  beforeAll(() => setBackend(backend));
  afterAll(() => setBackend('cpu'));

  const fns = [...new Set(fixture.cases.map((c) => c.fn))];
  it.each(fns)('%s: outputs and gradients', (fn) => {
    for (const c of fixture.cases.filter((k) => k.fn === fn)) {
      const { output, grads } = runCase(c, dtype);
      const worst = Math.max(output, ...grads);
      record(`${fn} (${backend} ${dtype})`, worst);
      // float32 rounds the inputs themselves, so its bound scales with the largest value compared
      const scale = Math.max(1, ...[c.output, ...Object.values(c.grads)].flatMap((a) => a.data.map(Math.abs)));
      expect(worst, c.name).toBeLessThan(tol * scale);
    }
  });
});

const f64 = (v: number[], shape = [v.length]): Tensor => tensor(Float64Array.from(v), shape, 'float64');
const int = (v: number[], shape = [v.length]): Tensor => tensor(Int32Array.from(v), shape, 'int32');

describe('loss gradients of first and second order (float64, cpu)', () => {
  beforeAll(() => setBackend('cpu'));
  const logits = f64([0.3, -1.2, 2, 0.5, 1, -0.4, 0.1, 0.8, -2, 1.5, 0.2, -0.7], [4, 3]);
  const w = f64([0.5, 2, 1.3]);

  it('crossEntropy and nllLoss with weight, ignoreIndex and smoothing', () => {
    const y = int([0, 2, 1, 2]);
    const ce = (l: Tensor) => crossEntropy(l, y, { weight: w, ignoreIndex: 1, labelSmoothing: 0.1 });
    expect(gradcheck(ce, [logits])).toBe(true);
    expect(gradgradcheck(ce, [logits])).toBe(true);
    const nll = (l: Tensor) => nllLoss(logSoftmax(l, 1), int([0, -100, 1, 2]), { weight: w });
    expect(gradcheck(nll, [logits])).toBe(true);
    expect(gradgradcheck(nll, [logits])).toBe(true);
  });

  it('bceWithLogits with weight and posWeight, in logits and targets', () => {
    const t = f64([0.2, 1, 0, 0.7, 0.5, 0.1, 0.9, 0.3, 1, 0, 0.6, 0.4], [4, 3]);
    const f = (x: Tensor, ti: Tensor) => bceWithLogits(x, ti, { weight: w, posWeight: f64([2, 0.5, 1]) });
    expect(gradcheck(f, [logits, t])).toBe(true);
    expect(gradgradcheck(f, [logits, t])).toBe(true);
  });

  it('l1Loss, smoothL1Loss and huberLoss away from their kinks', () => {
    const a = f64([0.3, -1.7, 2.2, 0.6, -0.2, 1.4]);
    const b = f64([1.1, 0.1, -0.4, 0.45, 0.5, 1.2]);
    for (const f of [
      (x: Tensor, y: Tensor) => l1Loss(x, y),
      (x: Tensor, y: Tensor) => smoothL1Loss(x, y, { beta: 0.5 }),
      (x: Tensor, y: Tensor) => huberLoss(x, y, { delta: 0.9, reduction: 'sum' }),
    ]) {
      expect(gradcheck(f, [a, b])).toBe(true);
      expect(gradgradcheck(f, [a, b])).toBe(true);
    }
  });

  it('klDiv with probability and log targets, and marginRankingLoss', () => {
    const q = tidy(() => logSoftmax(logits, 1));
    const p = tidy(() => softmax(f64([1, 0, 2, 0.5, 0.5, 0.1, -1, 0, 1, 0.3, 0.2, 0.1], [4, 3]), 1));
    for (const f of [
      (x: Tensor, t: Tensor) => klDiv(x, t, { reduction: 'batchmean' }),
      (x: Tensor, t: Tensor) => klDiv(x, logSoftmax(t, 1), { logTarget: true }),
    ]) {
      expect(gradcheck(f, [q, p])).toBe(true);
      expect(gradgradcheck(f, [q, p])).toBe(true);
    }
    const mr = (x1: Tensor, x2: Tensor) => marginRankingLoss(x1, x2, f64([1, -1, 1, -1]), { margin: 0.25 });
    const x1 = f64([0.3, 0.8, -1, 2]);
    const x2 = f64([1, -0.5, 0.6, 0.4]);
    expect(gradcheck(mr, [x1, x2])).toBe(true);
    expect(gradgradcheck(mr, [x1, x2])).toBe(true);
  });
});

/** Naive references, element by element, for the losses' 'none' forms and torch's weighted mean. */
const naive = {
  smoothL1: (d: number, beta: number) => (Math.abs(d) < beta ? (0.5 * d * d) / beta : Math.abs(d) - 0.5 * beta),
  huber: (d: number, delta: number) => (Math.abs(d) < delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta)),
  kl: (x: number, t: number) => (t === 0 ? 0 : t * (Math.log(t) - x)),
  weightedCe(logits: number[][], y: number[], w: number[], ignore: number): number {
    let num = 0;
    let den = 0;
    logits.forEach((row, i) => {
      if (y[i] === ignore) return;
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      num += w[y[i]!]! * (lse - row[y[i]!]!);
      den += w[y[i]!]!;
    });
    return num / den;
  },
};

describe('losses against naive loops (float64, cpu)', () => {
  beforeAll(() => setBackend('cpu'));
  const vec = fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 1, maxLength: 12 });

  it('smoothL1Loss and huberLoss elementwise', () => {
    fc.assert(
      fc.property(vec, vec, fc.double({ min: 0.05, max: 3, noNaN: true }), (a, b, t) => {
        const n = Math.min(a.length, b.length);
        const [x, y] = [a.slice(0, n), b.slice(0, n)];
        const s = tidy(() => [...smoothL1Loss(f64(x), f64(y), { beta: t, reduction: 'none' }).dataSync()]);
        const h = tidy(() => [...huberLoss(f64(x), f64(y), { delta: t, reduction: 'none' }).dataSync()]);
        x.forEach((xi, i) => {
          expect(s[i]).toBeCloseTo(naive.smoothL1(xi - y[i]!, t), 12);
          expect(h[i]).toBeCloseTo(naive.huber(xi - y[i]!, t), 12);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('klDiv elementwise, with zero targets', () => {
    const x = [-0.5, -2, -1.2, -0.1];
    const t = [0.3, 0, 0.5, 0.2];
    const got = tidy(() => [...klDiv(f64(x), f64(t), { reduction: 'none' }).dataSync()]);
    for (const [i, g] of got.entries()) expect(g).toBeCloseTo(naive.kl(x[i]!, t[i]!), 14);
    expect(tidy(() => klDiv(f64(x, [2, 2]), f64(t, [2, 2]), { reduction: 'batchmean' }).item())).toBeCloseTo(
      x.reduce((s, xi, i) => s + naive.kl(xi, t[i]!), 0) / 2,
      14,
    );
  });

  it("crossEntropy's weighted mean over targets not ignored", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }), {
          minLength: 2,
          maxLength: 6,
        }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }),
        fc.array(fc.double({ min: 0.1, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (rows, labels, w) => {
          // label 3 stands for ignored; keep one real target so the mean is defined
          const y = rows.map((_, i) => (i === 0 ? labels[i]! % 3 : labels[i]! === 3 ? -100 : labels[i]!));
          const got = tidy(() => crossEntropy(f64(rows.flat(), [rows.length, 3]), int(y), { weight: f64(w) }).item());
          expect(got).toBeCloseTo(naive.weightedCe(rows, y, w, -100), 12);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('loss options', () => {
  beforeAll(() => setBackend('cpu'));
  const x = f64([0.1, 0.2, 0.3, 0.4], [2, 2]);

  it('every loss rejects an unknown option key, naming itself and what it accepts', () => {
    const y = int([0, 1]);
    const calls: [string, () => unknown][] = [
      ['crossEntropy', () => crossEntropy(x, y, { ignore_index: 1 } as never)],
      ['nllLoss', () => nllLoss(x, y, { weights: x } as never)],
      ['mse', () => mse(x, x, { reduce: 'sum' } as never)],
      ['bce', () => bce(x, x, { posWeight: 2 } as never)],
      ['bceWithLogits', () => bceWithLogits(x, x, { pos_weight: 2 } as never)],
      ['l1Loss', () => l1Loss(x, x, { beta: 1 } as never)],
      ['smoothL1Loss', () => smoothL1Loss(x, x, { delta: 1 } as never)],
      ['huberLoss', () => huberLoss(x, x, { beta: 1 } as never)],
      ['klDiv', () => klDiv(x, x, { log_target: true } as never)],
      ['marginRankingLoss', () => marginRankingLoss(x, x, x, { margn: 1 } as never)],
    ];
    for (const [name, call] of calls) {
      expect(call).toThrow(UnknownOptionError);
      expect(call).toThrow(new RegExp(`^${name}: unknown option '\\w+'; accepted: reduction`));
    }
  });

  it('refuses what torch refuses: ignoreIndex on probability targets, a weight of the wrong length', () => {
    expect(() => crossEntropy(x, x, { ignoreIndex: 0 })).toThrow(ArgumentError);
    expect(() => crossEntropy(x, int([0, 1]), { weight: f64([1, 2, 3]) })).toThrow(
      /^crossEntropy: weight must be a float vector of the 2 classes, got \[3\] float64/,
    );
    expect(() => nllLoss(x, int([0, 5]), { ignoreIndex: 4 })).toThrow(
      /target 5 at position 1 is outside the 2 classes/,
    );
    expect(() => huberLoss(x, x, { delta: 0 })).toThrow(/^huberLoss: delta must be finite and > 0/);
  });
});
