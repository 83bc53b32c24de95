// The fused cross-entropy against core's composition on this backend, for the loss and its
// gradient, over the cases the fusion takes (class indices, any ignoreIndex, every reduction);
// the cases it leaves to the composition still compose, and a gradient of the gradient composes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createWasmBackend, type WasmBackend } from '@gradstream/backend-wasm';
import { grad, mul, registerBackend, setBackend, sum, tensor, type Tensor } from '@gradstream/core';
import { crossEntropy, type CrossEntropyOptions } from '@gradstream/core/nn';

let fused: WasmBackend;
let composed: WasmBackend;
let fusedCalls = 0;

beforeAll(async () => {
  fused = await createWasmBackend({ threads: 1 });
  const forward = fused.softmaxCrossEntropy.bind(fused);
  fused.softmaxCrossEntropy = (...args) => {
    fusedCalls++;
    return forward(...args);
  };
  composed = await createWasmBackend({ threads: 1 });
  // Without the pair, core composes cross-entropy from logSoftmax, one-hot and reductions.
  Object.defineProperty(composed, 'softmaxCrossEntropy', { value: undefined });
  Object.defineProperty(composed, 'softmaxCrossEntropyBackward', { value: undefined });
  registerBackend('wasm-fused-ce', () => fused);
  registerBackend('wasm-composed-ce', () => composed);
});

afterAll(() => {
  fused.dispose();
  composed.dispose();
});

/** Loss, gradient and (with `second`) the gradient of Σ(gradient·w) on one backend. */
async function lossAndGrads(
  backend: string,
  logits: Float32Array,
  n: number,
  c: number,
  targets: Int32Array,
  options: CrossEntropyOptions,
  second: boolean,
): Promise<Float32Array[]> {
  await setBackend(backend);
  const x = tensor(logits, [n, c]);
  const y = tensor(targets, [n], 'int32');
  const loss = (l: Tensor) => sum(crossEntropy(l, y, options));
  const out = [loss(x).dataSync() as Float32Array, grad(loss)(x).dataSync() as Float32Array];
  if (second) {
    const w = tensor(
      Float32Array.from({ length: n * c }, (_, i) => Math.sin(i)),
      [n, c],
    );
    out.push(grad((l: Tensor) => sum(mul(grad(loss)(l), w)))(x).dataSync() as Float32Array);
  }
  return out;
}

function closeTo(a: Float32Array[], b: Float32Array[]): void {
  expect(a.map((v) => v.length)).toEqual(b.map((v) => v.length));
  a.forEach((values, k) => {
    values.forEach((v, i) => {
      const want = b[k]![i]!;
      if (Number.isNaN(want)) expect(v).toBeNaN();
      else expect(Math.abs(v - want)).toBeLessThanOrEqual(2e-6 + 2e-5 * Math.abs(want));
    });
  });
}

describe('fused cross-entropy', () => {
  it('loss and gradient agree with the composition (class indices, ignoreIndex, reductions)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 2, max: 11 }),
        fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        async (n, c, reduction, ignore, seed) => {
          const logits = Float32Array.from({ length: n * c }, (_, i) => 6 * Math.sin(seed + 1.7 * i));
          const targets = Int32Array.from({ length: n }, (_, i) => (seed + 3 * i) % c);
          const options = ignore ? { reduction, ignoreIndex: targets[0]! } : { reduction };
          const calls = fusedCalls;
          const a = await lossAndGrads('wasm-fused-ce', logits, n, c, targets, options, false);
          // Loss and gradient each ran the forward kernel, unless a mean over no targets composed.
          const allIgnored = ignore && targets.every((t) => t === targets[0]);
          expect(fusedCalls - calls).toBe(reduction === 'mean' && allIgnored ? 0 : 2);
          const b = await lossAndGrads('wasm-composed-ce', logits, n, c, targets, options, false);
          closeTo(a, b);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a gradient of the gradient composes, and agrees', async () => {
    const logits = Float32Array.from({ length: 15 }, (_, i) => Math.cos(i));
    const targets = Int32Array.of(0, 4, 2);
    const a = await lossAndGrads('wasm-fused-ce', logits, 3, 5, targets, {}, true);
    const b = await lossAndGrads('wasm-composed-ce', logits, 3, 5, targets, {}, true);
    closeTo(a, b);
  });

  it('label smoothing, class weights and N×C×… logits are left to the composition', async () => {
    await setBackend('wasm-fused-ce');
    const calls = fusedCalls;
    const y = tensor(Int32Array.of(1, 0), [2], 'int32');
    crossEntropy(tensor(Float32Array.of(1, 2, 3, 4), [2, 2]), y, { labelSmoothing: 0.1 }).dispose();
    crossEntropy(tensor(Float32Array.of(1, 2, 3, 4), [2, 2]), y, { weight: tensor([1, 2]) }).dispose();
    crossEntropy(
      tensor(Float32Array.of(1, 2, 3, 4), [1, 2, 2]),
      tensor(Int32Array.of(1, 0), [1, 2], 'int32'),
    ).dispose();
    expect(fusedCalls).toBe(calls);
  });

  it('a target outside the classes is the same typed error', async () => {
    await setBackend('wasm-fused-ce');
    expect(() =>
      crossEntropy(tensor(Float32Array.of(1, 2, 3, 4), [2, 2]), tensor(Int32Array.of(1, 2), [2], 'int32')),
    ).toThrow('target 2 at position 1 is outside the 2 classes [0, 2)');
  });
});
