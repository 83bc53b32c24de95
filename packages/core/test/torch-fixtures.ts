// Loads the PyTorch reference files under test/fixtures/ (each written by the
// Python script beside it) and keeps the largest difference each test saw,
// printed once per file so a run shows how close gradstream came to torch.
import { readFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { type DType, type Tensor, tensor } from '@gradstream/core';

/** An array as the fixture scripts write it. */
export interface FixtureArray {
  readonly shape: number[];
  readonly data: number[];
  readonly dtype: 'float64' | 'int32';
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** The array as a tensor; float arrays in `floatDType` (float32 for the wasm backend). */
export function toTensor(a: FixtureArray, floatDType: DType = 'float64'): Tensor {
  if (a.dtype === 'int32') return tensor(Int32Array.from(a.data), a.shape, 'int32');
  const values = floatDType === 'float64' ? Float64Array.from(a.data) : Float32Array.from(a.data);
  return tensor(values, a.shape, floatDType);
}

export function isFixtureArray(v: unknown): v is FixtureArray {
  return typeof v === 'object' && v !== null && 'shape' in v && 'data' in v;
}

/** Largest |actual − expected|; a shape mismatch or a NaN on one side only is Infinity. */
export function maxAbsDiff(actual: Tensor, expected: FixtureArray): number {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i]))
    return Number.POSITIVE_INFINITY;
  const values = actual.dataSync();
  let worst = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Number(values[i]);
    const e = expected.data[i]!;
    if (Number.isNaN(a) !== Number.isNaN(e)) return Number.POSITIVE_INFINITY;
    if (!Number.isNaN(a)) worst = Math.max(worst, Math.abs(a - e));
  }
  return worst;
}

/** Collects the largest difference per label and prints them when the file's tests end. */
export function differenceLog(title: string): (label: string, diff: number) => number {
  const worst = new Map<string, number>();
  afterAll(() => {
    const rows = [...worst].map(([label, d]) => `  ${label.padEnd(48)} ${d.toExponential(2)}`);
    console.info(`${title}: largest |gradstream − torch 1.13|\n${rows.join('\n')}`);
  });
  return (label, diff) => {
    worst.set(label, Math.max(worst.get(label) ?? 0, diff));
    return diff;
  };
}
