// Batch normalization is a fusion rule (ops/fused-batch-norm.ts). In
// training: the backend's batchNormTraining and batchNormBackward kernels
// when it has both, the composition of ops otherwise, and the composition's
// gradient whenever a gradient is itself differentiated. By given (running)
// statistics: the backend's batchNormInference when no tape records, the
// composition otherwise. Each path is held to the composition on the float64
// cpu backend: values, first and second order gradients, running
// statistics, kernel calls and freed tensors.
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Backend,
  type DType,
  type Tensor,
  batchNorm,
  findBackend,
  getBackend,
  memory,
  mul,
  ones,
  registerBackend,
  setBackend,
  square,
  sum,
  tensor,
  tidy,
  variableGrads,
  vjp,
  zeros,
} from '@gradstream/core';
import {
  referenceBatchNormBackward,
  referenceBatchNormInference,
  referenceBatchNormTraining,
} from '../src/testing/batch-norm-reference.js';

/** The cpu backend with the float64 reference loops as its fused kernels, counting calls. */
function withReferenceKernels(inner: Backend): {
  backend: Backend;
  calls: { forward: number; backward: number; inference: number };
} {
  const calls = { forward: 0, backward: 0, inference: 0 };
  const backend = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'name') return 'cpu-fused-bn';
      if (key === 'batchNormTraining')
        return (...args: Parameters<typeof referenceBatchNormTraining> extends [Backend, ...infer R] ? R : never) => {
          calls.forward++;
          return referenceBatchNormTraining(target, ...args);
        };
      if (key === 'batchNormBackward')
        return (...args: Parameters<typeof referenceBatchNormBackward> extends [Backend, ...infer R] ? R : never) => {
          calls.backward++;
          return referenceBatchNormBackward(target, ...args);
        };
      if (key === 'batchNormInference')
        return (...args: Parameters<typeof referenceBatchNormInference> extends [Backend, ...infer R] ? R : never) => {
          calls.inference++;
          return referenceBatchNormInference(target, ...args);
        };
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { backend, calls };
}

/** The wasm backend without its inference kernel, so core composes batch norm by running statistics there. */
function withoutInferenceKernel(inner: Backend): Backend {
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'name') return 'wasm-composed-bn';
      if (key === 'batchNormInference') return undefined;
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

interface Case {
  readonly shape: number[];
  readonly withWeight: boolean;
  readonly withBias: boolean;
  readonly values: number[];
}

const caseArb: fc.Arbitrary<Case> = fc
  .tuple(
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 5 }),
    fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 2 }),
    fc.boolean(),
    fc.boolean(),
  )
  .filter(([n, , spatial]) => n * spatial.reduce((a, b) => a * b, 1) >= 2)
  .chain(([n, c, spatial, withWeight, withBias]) => {
    const shape = [n, c, ...spatial];
    const size = shape.reduce((a, b) => a * b, 1);
    // Inputs, dy, the weight and the bias, drawn at once.
    return fc
      .array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 2 * size + 2 * c, maxLength: 2 * size + 2 * c })
      .map((values) => ({ shape, withWeight, withBias, values }));
  });

/** dy·y's gradients with respect to x, the weight and the bias, and y itself, as float64 arrays. */
function firstOrder(k: Case, dtype: DType): number[][] {
  const c = k.shape[1]!;
  const size = k.shape.reduce((a, b) => a * b, 1);
  return tidy(() => {
    const x = tensor(k.values.slice(0, size), k.shape, dtype);
    const dy = tensor(k.values.slice(size, 2 * size), k.shape, dtype);
    const weight = k.withWeight ? tensor(k.values.slice(2 * size, 2 * size + c), [c], dtype) : undefined;
    const bias = k.withBias ? tensor(k.values.slice(2 * size + c), [c], dtype) : undefined;
    const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
    const f = (...xs: Tensor[]) => {
      let i = 1;
      return batchNorm(xs[0]!, {
        training: true,
        weight: weight ? xs[i++] : undefined,
        bias: bias ? xs[i++] : undefined,
      });
    };
    const y = f(...inputs);
    return [y, ...vjp(f, inputs, dy)].map((t) => Array.from(t.dataSync()));
  });
}

function expectClose(actual: number[][], expected: number[][], tol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    const scale = Math.max(1, ...e.map(Math.abs));
    a.forEach((v, j) => {
      if (!(Math.abs(v - e[j]!) <= tol * scale))
        throw new Error(`output ${i} element ${j}: got ${v}, expected ${e[j]} (tolerance ${tol * scale})`);
    });
  });
}

describe('batch norm fusion rule', () => {
  let fused: ReturnType<typeof withReferenceKernels>;
  beforeAll(async () => {
    await setBackend('cpu');
    fused = withReferenceKernels((await findBackend('cpu'))!);
    registerBackend('cpu-fused-bn', () => fused.backend);
  });
  afterAll(() => setBackend('cpu'));

  it('the cpu backend has neither kernel, so the composition runs; wasm has both', async () => {
    await setBackend('cpu');
    expect(getBackend().batchNormTraining).toBeUndefined();
    await setBackend('wasm');
    expect(typeof getBackend().batchNormTraining).toBe('function');
    expect(typeof getBackend().batchNormBackward).toBe('function');
  });

  for (const [name, dtype, tol] of [
    ['cpu-fused-bn', 'float64', 1e-9],
    ['wasm', 'float32', 2e-4],
  ] as const) {
    it(`${name}: y and the gradients in x, weight and bias match the float64 composition`, async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async (k) => {
          await setBackend('cpu');
          const expected = firstOrder(k, 'float64');
          await setBackend(name);
          const before = memory().numTensors;
          const actual = firstOrder(k, dtype);
          expect(memory().numTensors).toBe(before);
          expectClose(actual, expected, tol);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('core calls each fused kernel once per forward and once per backward', async () => {
    await setBackend('cpu-fused-bn');
    const before = { ...fused.calls };
    const k: Case = { shape: [2, 3, 2], withWeight: true, withBias: true, values: [] };
    firstOrder({ ...k, values: Array.from({ length: 30 }, (_, i) => Math.sin(i)) }, 'float64');
    // firstOrder runs the forward twice (y, then inside vjp) and the backward once.
    expect(fused.calls.forward - before.forward).toBe(2);
    expect(fused.calls.backward - before.backward).toBe(1);
  });

  /** d/dweight of Σ (d Σ u·y / dx)²: a second-order gradient through batchNorm's backward. */
  function secondOrder(dtype: DType): number[] {
    return tidy(() => {
      const x = tensor([0.3, -1.2, 2.0, 0.7, -0.4, 1.1, 0.9, -2.2, 0.05, 1.6, -0.8, 0.2], [3, 2, 2], dtype);
      const u = tensor([1, -2, 0.5, 3, -1, 0.25, 2, 1, -0.5, 0.75, -3, 1.5], [3, 2, 2], dtype);
      const weight = tensor([0.8, -1.3], [2], dtype);
      const bias = tensor([0.1, 0.4], [2], dtype);
      const { grads } = variableGrads(() => {
        const [dx] = vjp((xi) => batchNorm(xi, { training: true, weight, bias }), [x], u);
        return sum(square(dx!));
      }, [weight, bias]);
      return grads.flatMap((g) => Array.from(g.dataSync()));
    });
  }

  it('a gradient of the gradient runs the composition and matches the float64 cpu one', async () => {
    await setBackend('cpu');
    const expected = secondOrder('float64');
    expect(expected.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    await setBackend('cpu-fused-bn');
    const backwardCalls = fused.calls.backward;
    expectClose([secondOrder('float64')], [expected], 1e-9);
    // The inner gradient is recorded by the outer tape, so the fused backward kernel stays out of it.
    expect(fused.calls.backward).toBe(backwardCalls);
    await setBackend('wasm');
    expectClose([secondOrder('float32')], [expected], 1e-3);
  });

  for (const [name, dtype, tol] of [
    ['cpu-fused-bn', 'float64', 1e-12],
    ['wasm', 'float32', 1e-5],
  ] as const) {
    it(`${name}: running statistics move as the composition's do`, async () => {
      const run = (d: DType) =>
        tidy(() => {
          const x = tensor(
            Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.cos(i * 1.7) * 2 + (i % 3)),
            [2, 3, 4],
            d,
          );
          const rm = zeros([3], d);
          const rv = ones([3], d);
          for (let step = 0; step < 3; step++)
            batchNorm(mul(x, step + 1), { training: true, runningMean: rm, runningVar: rv, momentum: 0.3 });
          return [Array.from(rm.dataSync()), Array.from(rv.dataSync())];
        });
      await setBackend('cpu');
      const expected = run('float64');
      await setBackend(name);
      expectClose(run(dtype), expected, tol);
    });
  }

  /** x, the running mean and variance (positive), the weight and the bias of an inference case. */
  function inferenceInputs(k: Case, dtype: DType) {
    const c = k.shape[1]!;
    const size = k.shape.reduce((a, b) => a * b, 1);
    const at = (from: number, n: number) => k.values.slice(from, from + n);
    return {
      x: tensor(at(0, size), k.shape, dtype),
      runningMean: tensor(at(size, c), [c], dtype),
      runningVar: tensor(
        at(size + c, c).map((v) => 0.05 + Math.abs(v)),
        [c],
        dtype,
      ),
      weight: k.withWeight ? tensor(at(size + 2 * c, c), [c], dtype) : undefined,
      bias: k.withBias ? tensor(at(size + 3 * c, c), [c], dtype) : undefined,
    };
  }

  /** y of batch norm in eval mode, with no tape recording. */
  function inference(k: Case, dtype: DType): number[] {
    return tidy(() => {
      const { x, ...options } = inferenceInputs(k, dtype);
      return Array.from(batchNorm(x, { ...options, eps: 1e-3 }).dataSync());
    });
  }

  const inferenceCaseArb: fc.Arbitrary<Case> = caseArb.chain((k) =>
    fc
      .array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 2 * k.shape[1]!, maxLength: 2 * k.shape[1]! })
      .map((more) => ({ ...k, values: [...k.values.slice(0, k.values.length / 2 + k.shape[1]!), ...more] })),
  );

  for (const [name, dtype, tol] of [
    ['cpu-fused-bn', 'float64', 1e-12],
    ['wasm', 'float32', 1e-5],
  ] as const) {
    it(`${name}: inference by running statistics matches the float64 composition`, async () => {
      await fc.assert(
        fc.asyncProperty(inferenceCaseArb, async (k) => {
          await setBackend('cpu');
          const expected = inference(k, 'float64');
          await setBackend(name);
          const before = memory().numTensors;
          const actual = inference(k, dtype);
          expect(memory().numTensors).toBe(before);
          expectClose([actual], [expected], tol);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('wasm: the inference kernel gives the same floats as the composition of wasm kernels', async () => {
    registerBackend('wasm-composed-bn', () => withoutInferenceKernel(findBackend('wasm')!));
    await fc.assert(
      fc.asyncProperty(inferenceCaseArb, async (k) => {
        await setBackend('wasm-composed-bn');
        const composed = inference(k, 'float32');
        await setBackend('wasm');
        expect(inference(k, 'float32')).toEqual(composed);
      }),
      { numRuns: 40 },
    );
  });

  it('the inference kernel runs once when nothing records, and not at all when a tape does', async () => {
    await setBackend('cpu-fused-bn');
    const k: Case = { shape: [2, 3, 2], withWeight: true, withBias: true, values: [] };
    const values = Array.from({ length: 24 }, (_, i) => Math.sin(i * 0.9) * 2);
    const before = fused.calls.inference;
    inference({ ...k, values }, 'float64');
    expect(fused.calls.inference - before).toBe(1);
    // With the weight and bias recorded (fine-tuning with frozen statistics), the composition runs and gives
    // the gradients the float64 cpu backend gives.
    const grads = () =>
      tidy(() => {
        const { x, ...options } = inferenceInputs({ ...k, values }, 'float64');
        const { grads: g } = variableGrads(
          () => sum(square(batchNorm(x, options))),
          [options.weight!, options.bias!, x],
        );
        return g.map((t) => Array.from(t.dataSync()));
      });
    const recorded = grads();
    expect(fused.calls.inference - before).toBe(1);
    await setBackend('cpu');
    expectClose(recorded, grads(), 1e-12);
  });
});
