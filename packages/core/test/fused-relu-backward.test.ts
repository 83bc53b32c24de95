// relu's gradient is a fusion rule (ops/fused.ts): one op that runs the
// backend's optional reluBackward kernel, or greater·cast·mul composed from
// contract kernels when the backend has none. Both paths are held to a naive
// loop, bit for bit (−0 and NaN included), at first and second order.
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Backend,
  type TensorInfo,
  findBackend,
  getBackend,
  mul,
  registerBackend,
  relu,
  setBackend,
  sum,
  tensor,
  vjp,
} from '@gradstream/core';

/** dy·[x > 0] in float32, as the composed kernels compute it. */
function naiveReluBackward(dy: Float32Array, x: Float32Array): Float32Array {
  return dy.map((d, i) => Math.fround(d * (x[i]! > 0 ? 1 : 0)));
}

const f32 = fc.float({ noDefaultInfinity: false, noNaN: false });
const caseArb = fc
  .integer({ min: 1, max: 40 })
  .chain((n) =>
    fc.tuple(
      fc.array(f32, { minLength: n, maxLength: n }),
      fc.array(fc.oneof(f32, fc.constantFrom(0, -0, 1e-30, -1e-30)), { minLength: n, maxLength: n }),
    ),
  );

/** The bits of two float32 arrays agree element by element (Object.is: −0 ≠ 0, NaN = NaN). */
function expectSameFloats(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** relu's vector-Jacobian product at x for dy, through core's autograd on the active backend. */
function reluVjp(dyValues: number[], xValues: number[]): Float32Array {
  const x = tensor(Float32Array.from(xValues), [xValues.length]);
  const dy = tensor(Float32Array.from(dyValues), [dyValues.length]);
  const [dx] = vjp((t) => relu(t), [x], dy);
  const out = dx!.dataSync() as Float32Array;
  for (const t of [x, dy, dx!]) t.dispose();
  return out;
}

/** The cpu backend with a counting, naive reluBackward: the fused path of the rule on a backend that has the kernel. */
function withNaiveFusedKernel(inner: Backend): { backend: Backend; calls: () => number } {
  let calls = 0;
  const reluBackward = (dy: TensorInfo, x: TensorInfo): TensorInfo => {
    calls++;
    const out = naiveReluBackward(
      inner.readSync(dy.dataId, 'float32') as Float32Array,
      inner.readSync(x.dataId, 'float32') as Float32Array,
    );
    return { dataId: inner.write(out, dy.shape, 'float32'), shape: dy.shape, dtype: 'float32' };
  };
  const backend = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'name') return 'cpu-fused-relu';
      if (key === 'reluBackward') return reluBackward;
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { backend, calls: () => calls };
}

describe('relu backward fusion rule', () => {
  let fused: ReturnType<typeof withNaiveFusedKernel>;
  beforeAll(async () => {
    await setBackend('cpu');
    fused = withNaiveFusedKernel((await findBackend('cpu'))!);
    registerBackend('cpu-fused-relu', () => fused.backend);
  });
  afterAll(() => setBackend('cpu'));

  it('the cpu backend has no fused kernel, so the composition runs', async () => {
    await setBackend('cpu');
    expect(getBackend().reluBackward).toBeUndefined();
  });

  for (const name of ['cpu', 'wasm', 'cpu-fused-relu']) {
    it(`${name}: relu's gradient is dy·[x > 0] bit for bit`, async () => {
      await setBackend(name);
      fc.assert(
        fc.property(caseArb, ([dy, x]) => {
          expectSameFloats(reluVjp(dy, x), naiveReluBackward(Float32Array.from(dy), Float32Array.from(x)));
        }),
        { numRuns: 60 },
      );
    });
  }

  it('core calls a backend’s fused kernel once per relu gradient', async () => {
    await setBackend('cpu-fused-relu');
    const before = fused.calls();
    reluVjp([1, -2, 3], [0.5, -1, 0]);
    expect(fused.calls()).toBe(before + 1);
  });

  for (const name of ['cpu', 'wasm']) {
    it(`${name}: the gradient's own gradient in dy is [x > 0] times the incoming one`, async () => {
      await setBackend(name);
      const x = tensor(Float32Array.from([2, -1, 0, 0.25]), [4]);
      const dy = tensor(Float32Array.from([0.5, 3, -4, -1]), [4]);
      const u = tensor(Float32Array.from([1.5, 2, 3, -2]), [4]);
      // g(dy) = Σ u·relu'(x)·dy, so ∂g/∂dy = u·[x > 0].
      const [ddy] = vjp((d) => sum(mul(vjp((t) => relu(t), [x], d)[0]!, u)), [dy], tensor(1));
      expectSameFloats(ddy!.dataSync() as Float32Array, Float32Array.from([1.5, 0, 0, -2]));
      for (const t of [x, dy, u, ddy!]) t.dispose();
    });
  }
});
