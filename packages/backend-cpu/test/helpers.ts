import fc from 'fast-check';
import { expect } from 'vitest';
import type { DType, Shape, TensorInfo, TypedArray } from '@gradstream/core';
import { CpuBackend } from '../src/cpu-backend.js';

export const backend = new CpuBackend();

export type FloatDType = 'float32' | 'float64';

export function sizeOf(shape: Shape): number {
  return shape.reduce((p, d) => p * d, 1);
}

export function arrayOf(dtype: DType, values: ArrayLike<number>): TypedArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    case 'bool':
      return Uint8Array.from(values);
  }
}

/** Writes values into the backend. */
export function put(values: ArrayLike<number>, shape: Shape, dtype: DType = 'float64'): TensorInfo {
  return { dataId: backend.write(arrayOf(dtype, values), shape, dtype), shape, dtype };
}

/** Reads a tensor back as plain numbers and frees it. */
export function take(t: TensorInfo): number[] {
  const values = Array.from(backend.readSync(t.dataId, t.dtype));
  backend.disposeData(t.dataId);
  return values;
}

/** Frees tensors. */
export function free(...ts: TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

/** Deterministic pseudo-random values in [-1, 1) from a seed, rounded to float32 so both dtypes see the same numbers. */
export function randomValues(n: number, seed: number): number[] {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = Math.fround((s / 2 ** 32) * 2 - 1);
  }
  return out;
}

/** Relative tolerance per dtype: tight for float64, float32 rounding for float32. */
export function toleranceOf(dtype: DType): number {
  return dtype === 'float32' ? 1e-4 : 1e-11;
}

/** Elementwise |a − e| ≤ tol · (1 + |e|), NaN matching NaN, with the first bad index in the message. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, dtype: DType, scale = 1): void {
  expect(actual.length).toBe(expected.length);
  const tol = toleranceOf(dtype) * scale;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) ? Number.isNaN(a) : a === e || Math.abs(a - e) <= tol * (1 + Math.abs(e))) continue;
    expect.fail(`index ${i}: got ${a}, expected ${e} (tolerance ${tol})`);
  }
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Visits every multi-index of `shape` in row-major order. */
export function forEachIndex(shape: Shape, visit: (index: number[]) => void): void {
  if (shape.some((d) => d === 0)) return;
  const index = shape.map(() => 0);
  for (;;) {
    visit(index);
    let d = shape.length - 1;
    while (d >= 0 && ++index[d]! === shape[d]) index[d--] = 0;
    if (d < 0) return;
  }
}

/** Flat row-major offset of a multi-index. */
export function ravel(index: readonly number[], shape: Shape): number {
  let off = 0;
  for (let i = 0; i < shape.length; i++) off = off * shape[i]! + index[i]!;
  return off;
}

export const floatDType = fc.constantFrom<FloatDType>('float32', 'float64');

/** A shape of the given rank range with small dims. */
export function shapeArb(minRank: number, maxRank: number, maxDim = 5): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/** Two shapes that broadcast: start from one, then drop leading dims and set some dims to 1 in the other. */
export function broadcastPairArb(): fc.Arbitrary<[number[], number[]]> {
  return shapeArb(0, 4).chain((base) =>
    fc
      .tuple(
        fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
        fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
        fc.integer({ min: 0, max: base.length }),
        fc.boolean(),
      )
      .map(([onesA, onesB, drop, swap]) => {
        const a = base.map((d, i) => (onesA[i] ? 1 : d));
        const b = base.map((d, i) => (onesB[i] ? 1 : d)).slice(drop);
        return swap ? [b, a] : [a, b];
      }),
  );
}
