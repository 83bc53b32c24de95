import { afterAll, beforeAll, expect } from 'vitest';
import fc from 'fast-check';
import type { Backend, DType, Shape, TensorInfo, TypedArray } from '@gradstream/core';
import { CpuBackend } from '@gradstream/backend-cpu';
import { type WasmBackend, createWasmBackend } from '@gradstream/backend-wasm';

/** A backend configuration every kernel test runs under. */
export interface Config {
  readonly threads: number;
  readonly relaxedSimd: boolean;
}

/** Threads 1 and 2 × relaxed SIMD off and on. */
export const CONFIGS: readonly Config[] = [
  { threads: 1, relaxedSimd: false },
  { threads: 1, relaxedSimd: true },
  { threads: 2, relaxedSimd: false },
  { threads: 2, relaxedSimd: true },
];

/** fast-check runs per property: small, since every property runs under each config. */
export const RUNS = 25;

// Shrinking a failure found on big random tensors can run for minutes; stop
// it and report the failure as it stands instead of appearing to hang.
fc.configureGlobal({ interruptAfterTimeLimit: 15_000, markInterruptAsFailure: true });

/** The reference and the backend under test for one config. */
export interface Pair {
  readonly cpu: CpuBackend;
  wasm: WasmBackend;
}

/**
 * Starts a wasm backend for `config` before the suite (with threading forced
 * on for every size so small random shapes exercise the split paths) and
 * stops its workers after.
 */
export function usePair(config: Config): Pair {
  const pair = { cpu: new CpuBackend() } as Pair;
  beforeAll(async () => {
    pair.wasm = await createWasmBackend({ ...config, minParallelFlops: 0 });
    expect(pair.wasm.threads).toBe(config.threads);
    expect(pair.wasm.relaxedSimd).toBe(config.relaxedSimd);
  });
  afterAll(() => pair.wasm.dispose());
  return pair;
}

/** Host-side tensor data for a test case. */
export interface Data {
  readonly values: TypedArray;
  readonly shape: Shape;
  readonly dtype: DType;
}

export function size(shape: Shape): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Writes host data into a backend. */
export function put(be: Backend, d: Data): TensorInfo {
  return { dataId: be.write(d.values, d.shape, d.dtype), shape: d.shape, dtype: d.dtype };
}

/** Reads a tensor back and disposes it. */
export function take(be: Backend, t: TensorInfo): Data {
  const values = be.readSync(t.dataId, t.dtype);
  be.disposeData(t.dataId);
  return { values, shape: t.shape, dtype: t.dtype };
}

/**
 * Runs `kernel` on both backends with the same inputs and returns each
 * result's data (inputs and outputs disposed, so wasm memory must return to
 * where it started).
 */
export function runBoth(
  pair: Pair,
  inputs: readonly Data[],
  kernel: (be: Backend, xs: TensorInfo[]) => TensorInfo | readonly TensorInfo[],
): { expected: Data[]; actual: Data[] } {
  const before = pair.wasm.memory();
  const results = [pair.cpu as Backend, pair.wasm].map((be) => {
    const xs = inputs.map((d) => put(be, d));
    const out = kernel(be, xs);
    const data = (Array.isArray(out) ? out : [out]).map((t: TensorInfo) => take(be, t));
    for (const x of xs) be.disposeData(x.dataId);
    return data;
  });
  expect(pair.wasm.memory()).toEqual(before);
  return { expected: results[0]!, actual: results[1]! };
}

/** Asserts equal shapes and dtypes and values within |a − e| ≤ atol + rtol·|e| (NaN matches NaN). */
export function expectClose(actual: Data, expected: Data, rtol = 1e-4, atol = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  expect(actual.values.length).toBe(expected.values.length);
  for (let i = 0; i < expected.values.length; i++) {
    const a = actual.values[i]!,
      e = expected.values[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`element ${i} of ${JSON.stringify(actual.shape)}: got ${a}, expected ${e}`);
    }
  }
}

/** Runs on both backends and compares every output. */
export function check(
  pair: Pair,
  inputs: readonly Data[],
  kernel: (be: Backend, xs: TensorInfo[]) => TensorInfo | readonly TensorInfo[],
  rtol?: number,
  atol?: number,
): void {
  const { expected, actual } = runBoth(pair, inputs, kernel);
  expected.forEach((e, i) => {
    expectClose(actual[i]!, e, rtol, atol);
  });
}

/** A shape of the given rank range with small dims. */
export function shapeArb(minRank = 0, maxRank = 4, maxDim = 6): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/** Float32 data of a shape with values in [lo, hi]. */
export function floatData(shape: Shape, lo = -2, hi = 2): fc.Arbitrary<Data> {
  return fc
    .array(fc.float({ min: Math.fround(lo), max: Math.fround(hi), noNaN: true, noDefaultInfinity: true }), {
      minLength: size(shape),
      maxLength: size(shape),
    })
    .map((v) => ({ values: Float32Array.from(v), shape, dtype: 'float32' as const }));
}

/** Int32 data of a shape with values in [lo, hi]. */
export function intData(shape: Shape, lo = -5, hi = 5): fc.Arbitrary<Data> {
  return fc
    .array(fc.integer({ min: lo, max: hi }), { minLength: size(shape), maxLength: size(shape) })
    .map((v) => ({ values: Int32Array.from(v), shape, dtype: 'int32' as const }));
}

/** Bool data of a shape. */
export function boolData(shape: Shape): fc.Arbitrary<Data> {
  return fc
    .array(fc.boolean(), { minLength: size(shape), maxLength: size(shape) })
    .map((v) => ({ values: Uint8Array.from(v, (b) => (b ? 1 : 0)), shape, dtype: 'bool' as const }));
}

/** Data of any stored dtype. */
export function dataOf(dtype: DType, shape: Shape): fc.Arbitrary<Data> {
  return dtype === 'float32' ? floatData(shape) : dtype === 'int32' ? intData(shape) : boolData(shape);
}

/** Two (or three) shapes that broadcast together: dims randomly set to 1 and leading dims dropped. */
export function broadcastShapesArb(count: number): fc.Arbitrary<number[][]> {
  return shapeArb(0, 4, 5).chain((out) =>
    fc.array(
      fc
        .tuple(
          fc.integer({ min: 0, max: out.length }),
          fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
        )
        .map(([drop, ones]) => out.map((d, i) => (ones[i] ? 1 : d)).slice(drop)),
      { minLength: count, maxLength: count },
    ),
  );
}
