import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { grad, logSoftmax, tensor, tidy } from '@gradstream/core';
import {
  accuracy,
  bce,
  bceWithLogits,
  confusionMatrix,
  crossEntropy,
  mse,
  nllLoss,
  topKAccuracy,
} from '@gradstream/core/nn';

const f64 = (v: number[][] | number[], shape?: number[]) =>
  tensor(
    new Float64Array(v.flat()),
    shape ?? (Array.isArray(v[0]) ? [v.length, (v[0] as number[]).length] : [v.length]),
  );
const idx = (v: number[]) => tensor(Int32Array.from(v), [v.length], 'int32');
const value = (f: () => { item(): number }): number => tidy(() => f().item());

describe('losses', () => {
  const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));

  it('crossEntropy matches the hand-computed values, with label smoothing and probability targets', () => {
    const logits = f64([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(value(() => crossEntropy(logits, idx([2, 0])))).toBeCloseTo((lse - 3 + (lse - 1)) / 2, 12);
    expect(value(() => crossEntropy(logits, idx([2, 0]), { reduction: 'sum' }))).toBeCloseTo(lse - 3 + (lse - 1), 12);
    expect(tidy(() => [...crossEntropy(logits, idx([2, 0]), { reduction: 'none' }).dataSync()])).toEqual(
      [lse - 3, lse - 1].map((v) => expect.closeTo(v, 12)),
    );
    const smoothed = 0.9 * (lse - 3) + (0.1 * (lse - 1 + (lse - 2) + (lse - 3))) / 3;
    expect(value(() => crossEntropy(f64([[1, 2, 3]]), idx([2]), { labelSmoothing: 0.1 }))).toBeCloseTo(smoothed, 12);
    expect(value(() => crossEntropy(f64([[1, 2, 3]]), f64([[0, 0.5, 0.5]])))).toBeCloseTo(
      0.5 * (lse - 2) + 0.5 * (lse - 3),
      12,
    );
  });

  it('crossEntropy stays finite for huge logits and handles N×C×H×W scores', () => {
    const x = tensor([
      [1000, 0],
      [0, -1000],
    ]);
    const y = idx([1, 0]);
    expect(value(() => crossEntropy(x, y))).toBeCloseTo(500, 3);
    const g = tidy(() => [...grad((l) => crossEntropy(l, y))(x).dataSync()]);
    expect(g).toEqual([0.5, -0.5, 0, 0].map((v) => expect.closeTo(v, 6)));
    const seg = tensor(new Float64Array([0, 0, 0, 0, 1, 1, 1, 1]), [1, 2, 2, 2]);
    const target = tensor(Int32Array.from([0, 1, 1, 0]), [1, 2, 2], 'int32');
    expect(value(() => crossEntropy(seg, target))).toBeCloseTo(
      (2 * Math.log(1 + Math.E) + 2 * Math.log(1 + 1 / Math.E)) / 4,
      12,
    );
  });

  it('crossEntropy and nllLoss reject bad targets with a clear error', () => {
    expect(() => crossEntropy(tensor([[1, 2]]), idx([2]))).toThrow(/target 2 at position 0 is outside the 2 classes/);
    expect(() => crossEntropy(tensor([[1, 2]]), tensor([1]))).toThrow(
      /targets \[1\] float32 have the shape of class indices for logits \[1,2\]: class indices must be int32/,
    );
    expect(() => nllLoss(tensor([[1, 2]]), idx([0, 1]))).toThrow(/do not fit scores/);
  });

  it('nllLoss of logSoftmax is crossEntropy', () => {
    const x = f64([
      [0.3, -1, 2],
      [1, 1, 0],
    ]);
    expect(value(() => nllLoss(logSoftmax(x, 1), idx([1, 2])))).toBeCloseTo(
      value(() => crossEntropy(x, idx([1, 2]))),
      12,
    );
  });

  it('mse, bce and bceWithLogits match the hand-computed values', () => {
    expect(value(() => mse(f64([1, 2]), f64([0, 4])))).toBe(2.5);
    expect(value(() => bce(f64([0.8, 0.4]), f64([1, 0])))).toBeCloseTo((-Math.log(0.8) - Math.log(0.6)) / 2, 12);
    expect(value(() => bce(f64([0]), f64([1])))).toBe(100);
    expect(value(() => bceWithLogits(f64([0, 2]), f64([1, 0]), { reduction: 'sum' }))).toBeCloseTo(
      Math.log(2) + Math.log(1 + Math.exp(2)),
      12,
    );
    expect(value(() => bceWithLogits(f64([100, -100]), f64([0, 1])))).toBeCloseTo(100, 10);
    expect(value(() => bceWithLogits(f64([0]), f64([1]), { posWeight: 3 }))).toBeCloseTo(3 * Math.log(2), 12);
  });

  it('bceWithLogits has the exact gradient sigmoid(x) − y, also at x = 0 and far out', () => {
    const g = tidy(() => [
      ...grad((x) => bceWithLogits(x, f64([1, 0, 1, 0]), { reduction: 'sum' }))(f64([0, 0, -800, 800])).dataSync(),
    ]);
    expect(g).toEqual([-0.5, 0.5, -1, 1]);
  });
});

describe('metrics', () => {
  const scores = tensor([
    [0.1, 0.7, 0.2],
    [0.5, 0.3, 0.2],
    [0.2, 0.3, 0.5],
    [0.4, 0.35, 0.25],
  ]);
  const targets = idx([1, 1, 2, 2]);

  it('accuracy and topKAccuracy count hits', () => {
    expect(accuracy(scores, targets)).toBe(0.5);
    expect(topKAccuracy(scores, targets, 1)).toBe(0.5);
    expect(topKAccuracy(scores, targets, 2)).toBe(0.75);
    expect(topKAccuracy(scores, targets, 3)).toBe(1);
  });

  it('confusionMatrix puts targets on rows and predictions on columns', () => {
    expect(tidy(() => confusionMatrix(scores, targets, 3).toArray())).toEqual([
      [0, 0, 0],
      [1, 1, 0],
      [1, 0, 1],
    ]);
    expect(tidy(() => confusionMatrix(idx([0, 1, 1]), idx([0, 0, 1]), 2).toArray())).toEqual([
      [1, 1],
      [0, 1],
    ]);
  });
});
