import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createWasmBackend, type WasmBackend } from '@gradstream/backend-wasm';
import {
  type Backend,
  Random,
  type TensorInfo,
  registerBackend,
  setBackend,
  tensor,
  tidy,
  variableGrads,
} from '@gradstream/core';
import { crossEntropy } from '@gradstream/core/nn';
import { adam } from '@gradstream/core/optim';
import { lenet5 } from '@gradstream/models';
import { convCase } from './conv-cases.js';
import { type Data, RUNS, floatData, put, take } from './helpers.js';

const STEPS = 300;
const BATCH = 8;
const THREADS = [1, 2, 3] as const;

interface Run {
  readonly losses: Float32Array;
  readonly params: Float32Array[];
}

/** A batch of noisy 28×28 images whose class is the row band (2 rows per class) that is lit. */
function batch(random: Random): { x: Float32Array; y: Int32Array } {
  const x = Float32Array.from({ length: BATCH * 28 * 28 }, () => 0.5 * random.normal());
  const y = Int32Array.from({ length: BATCH }, () => random.int(10));
  y.forEach((label, i) => {
    for (let k = (4 + 2 * label) * 28; k < (6 + 2 * label) * 28; k++) x[i * 784 + k]! += 2;
  });
  return { x, y };
}

/** Trains LeNet-5 with Adam from one seed and returns every loss and the final parameters. */
async function train(backend: string): Promise<Run> {
  await setBackend(backend);
  const model = lenet5({ seed: 3 });
  const optimizer = adam(model.parameters(), { lr: 1e-3 });
  const random = new Random(5);
  const losses = new Float32Array(STEPS);
  for (let s = 0; s < STEPS; s++) {
    const { x, y } = batch(random);
    losses[s] = tidy(() => {
      const { value, grads } = variableGrads(
        () => crossEntropy(model.call(tensor(x, [BATCH, 1, 28, 28])), tensor(y, [BATCH], 'int32')),
        optimizer.params,
      );
      optimizer.step(grads);
      return value.item();
    });
  }
  const params = model.parameters().map((p) => p.dataSync() as Float32Array);
  optimizer.dispose();
  model.dispose();
  return { losses, params };
}

/** Index of the first element whose bits differ, or −1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return ua.length === ub.length ? -1 : ua.length;
}

// Threading forced on for every kernel size, so each split path takes part.
const backends: WasmBackend[] = [];
for (const threads of THREADS) {
  registerBackend(`wasm-determinism-${threads}t`, async () => {
    const be = await createWasmBackend({ threads, minParallelFlops: 0 });
    backends.push(be);
    return be;
  });
}

describe('the thread count does not change results', () => {
  afterAll(async () => {
    await setBackend('wasm');
    for (const be of backends) be.dispose();
  });

  it(`LeNet-5 + Adam, ${STEPS} steps of batch ${BATCH}: losses and parameters bit-identical on 1, 2 and 3 threads`, async () => {
    const runs = new Map<number, Run>();
    for (const threads of THREADS) runs.set(threads, await train(`wasm-determinism-${threads}t`));
    expect(backends.map((be) => be.threads)).toEqual([...THREADS]);
    const one = runs.get(1)!;
    // The comparison means something only if the network learned.
    expect(one.losses.at(-1)!).toBeLessThan(one.losses[0]! / 4);
    for (const threads of THREADS.slice(1)) {
      const other = runs.get(threads)!;
      const step = firstDifference(one.losses, other.losses);
      expect(
        step,
        step < 0
          ? ''
          : `${threads} threads: loss of step ${step} is ${other.losses[step]}, 1 thread ${one.losses[step]}`,
      ).toBe(-1);
      one.params.forEach((p, i) => {
        const at = firstDifference(p, other.params[i]!);
        expect(at, `${threads} threads: parameter ${i} differs at element ${at}`).toBe(-1);
      });
    }
    console.log(
      THREADS.map((t) => {
        const { losses } = runs.get(t)!;
        return `${t} thread(s): loss[0] ${losses[0]} loss[${STEPS - 1}] ${losses[STEPS - 1]}`;
      }).join('\n'),
    );
  });
});

/** Runs one kernel on every backend and returns the first index where a result's bits differ from the 1-thread one. */
function bitsAcross(
  bes: readonly Backend[],
  inputs: readonly Data[],
  kernel: (be: Backend, xs: TensorInfo[]) => TensorInfo,
): string {
  const results = bes.map((be) => {
    const xs = inputs.map((d) => put(be, d));
    const out = take(be, kernel(be, xs));
    for (const x of xs) be.disposeData(x.dataId);
    return out.values as Float32Array;
  });
  for (let t = 1; t < results.length; t++) {
    const at = firstDifference(results[0]!, results[t]!);
    if (at >= 0) return `${THREADS[t]} threads differ at element ${at}: ${results[t]![at]} vs ${results[0]![at]}`;
  }
  return '';
}

describe('each split kernel gives the same bits on 1, 2 and 3 threads', () => {
  const bes: WasmBackend[] = [];
  beforeAll(async () => {
    for (const threads of THREADS) bes.push(await createWasmBackend({ threads, minParallelFlops: 0 }));
  });
  afterAll(() => {
    for (const be of bes) be.dispose();
  });

  // Batches up to 20 cross the filter gradient's chunk sizes; batches under 3 split channels instead.
  const batched = fc.tuple(convCase, fc.integer({ min: 1, max: 20 })).map(([c, n]) => ({
    ...c,
    xShape: [n, ...c.xShape.slice(1)],
    yShape: [n, ...c.yShape.slice(1)],
  }));

  it('conv forward, backprop input and backprop filter', () => {
    fc.assert(
      fc.property(batched, fc.gen(), (c, gen) => {
        const x = gen(() => floatData(c.xShape, -1, 1)),
          w = gen(() => floatData(c.wShape, -1, 1)),
          dy = gen(() => floatData(c.yShape, -1, 1));
        expect(bitsAcross(bes, [x, w], (be, [xt, wt]) => be.conv(xt!, wt!, c.geometry))).toBe('');
        expect(
          bitsAcross(bes, [dy, w], (be, [dyt, wt]) => be.convBackpropInput!(dyt!, wt!, c.geometry, c.xShape)),
        ).toBe('');
        expect(
          bitsAcross(bes, [x, dy], (be, [xt, dyt]) => be.convBackpropFilter!(xt!, dyt!, c.geometry, c.wShape)),
        ).toBe('');
      }),
      { numRuns: RUNS },
    );
  });

  // 32 channels per group: stride-1 input gradients of small images take the forward route.
  const deep = batched.map((c) => ({
    ...c,
    xShape: [c.xShape[0]!, 32 * c.geometry.groups, ...c.xShape.slice(2)],
    wShape: [c.wShape[0]!, 32, ...c.wShape.slice(2)],
  }));

  it('conv backprop input with many input channels', () => {
    fc.assert(
      fc.property(deep, fc.gen(), (c, gen) => {
        const w = gen(() => floatData(c.wShape, -1, 1)),
          dy = gen(() => floatData(c.yShape, -1, 1));
        expect(
          bitsAcross(bes, [dy, w], (be, [dyt, wt]) => be.convBackpropInput!(dyt!, wt!, c.geometry, c.xShape)),
        ).toBe('');
      }),
      { numRuns: RUNS },
    );
  });

  it('matmul, batched and transposed', () => {
    const dim = fc.integer({ min: 1, max: 70 });
    fc.assert(
      fc.property(
        fc.record({ m: dim, n: dim, k: fc.integer({ min: 1, max: 600 }), batch: fc.integer({ min: 1, max: 4 }) }),
        fc.boolean(),
        fc.boolean(),
        fc.gen(),
        (p, ta, tb, gen) => {
          const a = gen(() => floatData(ta ? [p.batch, p.k, p.m] : [p.batch, p.m, p.k], -1, 1));
          const b = gen(() => floatData(tb ? [p.batch, p.n, p.k] : [p.batch, p.k, p.n], -1, 1));
          expect(bitsAcross(bes, [a, b], (be, [x, y]) => be.matmul(x!, y!, ta, tb))).toBe('');
        },
      ),
      { numRuns: RUNS },
    );
  });

  // Kept dimensions outside the innermost one are what threads split: bias gradients over N, H, W.
  it('reduce over any axes', () => {
    const shapes = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        shapes.chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            fc.subarray(
              shape.map((_, i) => i),
              { minLength: 1 },
            ),
          ),
        ),
        fc.constantFrom('sum' as const, 'max' as const, 'min' as const),
        fc.gen(),
        ([shape, axes], op, gen) => {
          const x = gen(() => floatData(shape, -1, 1));
          expect(bitsAcross(bes, [x], (be, [xt]) => be.reduce(op, xt!, axes))).toBe('');
        },
      ),
      { numRuns: RUNS },
    );
  });

  // Repeated indices add in index order on every split: outer rows, or destination ranges when outer is 1.
  it('scatterAdd with repeated indices', () => {
    fc.assert(
      fc.property(
        fc.record({
          outer: fc.integer({ min: 1, max: 4 }),
          count: fc.integer({ min: 1, max: 60 }),
          axisSize: fc.integer({ min: 1, max: 40 }),
          inner: fc.integer({ min: 1, max: 3 }),
        }),
        fc.gen(),
        ({ outer, count, axisSize, inner }, gen) => {
          const dy = gen(() => floatData([outer, count, inner], -1, 1));
          const idx = gen(() =>
            fc
              .array(fc.integer({ min: 0, max: axisSize - 1 }), { minLength: count, maxLength: count })
              .map((v) => ({ values: Int32Array.from(v), shape: [count], dtype: 'int32' as const })),
          );
          expect(bitsAcross(bes, [dy, idx], (be, [d, i]) => be.scatterAdd(d!, i!, 1, axisSize))).toBe('');
        },
      ),
      { numRuns: RUNS },
    );
  });
});
