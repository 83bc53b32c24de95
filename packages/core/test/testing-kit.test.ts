import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CpuBackend } from '@gradstream/backend-cpu';
import {
  customGrad,
  mul,
  randn,
  registerBackend,
  sum,
  tanh,
  tensor,
  type Backend,
  type BinaryOp,
  type TensorInfo,
} from '@gradstream/core';
import {
  backendConformance,
  broadcastableShapesArb,
  gradcheck,
  GradcheckError,
  gradgradcheck,
  tensorArb,
} from '@gradstream/core/testing';

describe('gradcheck', () => {
  it('accepts a correct gradient and rejects a wrong one', () => {
    const x = randn([2, 3], 0, 1, 'float64');
    expect(gradcheck((v) => tanh(v), [x])).toBe(true);
    const wrong = customGrad((v) => ({ value: mul(v, v), gradFunc: (dy) => [mul(dy, v)] }));
    expect(() => gradcheck((v) => wrong(v), [x])).toThrow(GradcheckError);
    expect(() => gradcheck((v) => wrong(v), [x], { fast: true })).toThrow(GradcheckError);
  });

  it('refuses float32 inputs, as finite differences there are too coarse', () => {
    expect(() => gradcheck((v) => tanh(v), [randn([2])])).toThrow(/float64/);
  });

  it('gradgradcheck catches a wrong second derivative that first-order checks miss', () => {
    const x = tensor(new Float64Array([0.3, -0.7, 1.1]), [3], 'float64');
    // Right first derivative (3v²), but its own gradient rule is wrong (3v instead of 6v).
    const threeSquared = customGrad((u) => ({ value: mul(mul(u, u), 3), gradFunc: (d2) => [mul(d2, mul(u, 3))] }));
    const cube = customGrad((v) => ({ value: mul(mul(v, v), v), gradFunc: (dy) => [mul(dy, threeSquared(v))] }));
    expect(gradcheck((v) => cube(v), [x])).toBe(true);
    expect(() => gradgradcheck((v) => cube(v), [x])).toThrow(GradcheckError);
    expect(gradgradcheck((v) => sum(mul(mul(v, v), v)), [x])).toBe(true);
  });

  it('arbitraries generate broadcastable shapes and tensors of the asked shape', () => {
    fc.assert(
      fc.property(broadcastableShapesArb(), ([a, b]) => {
        const rank = Math.max(a.length, b.length);
        for (let i = 1; i <= rank; i++) {
          const da = a[a.length - i] ?? 1;
          const db = b[b.length - i] ?? 1;
          expect(da === db || da === 1 || db === 1).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(tensorArb([2, 3], 'float64', { awayFromZero: 0.1 }), (spec) => {
        const t = spec.make();
        expect(t.shape).toEqual([2, 3]);
        expect([...t.dataSync()].every((v) => Math.abs(v) >= 0.1)).toBe(true);
        t.dispose();
      }),
      { numRuns: 20 },
    );
  });
});

/** A backend whose `add` kernel subtracts: the suite must notice. */
class BrokenAddBackend extends CpuBackend {
  override readonly name = 'broken-add';
  override binary(op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
    return super.binary(op === 'add' ? 'sub' : op, a, b);
  }
}

describe('backendConformance', () => {
  registerBackend('cpu-copy', (): Backend => Object.assign(new CpuBackend(), { name: 'cpu-copy' }), { priority: -1 });
  registerBackend('broken-add', () => new BrokenAddBackend(), { priority: -1 });

  for (const c of backendConformance('cpu-copy', { numRuns: 5 })) {
    it(`a second CPU instance passes: ${c.kernel}`, c.run);
  }

  it('reports a wrong kernel with a ConformanceError naming it', async () => {
    const binary = backendConformance('broken-add', { numRuns: 200, seed: 7 }).find((c) => c.kernel === 'binary')!;
    await expect(binary.run()).rejects.toThrow(
      /binary: backend 'broken-add' disagrees with 'cpu'.*element 0 of .* reference/,
    );
  });
});
