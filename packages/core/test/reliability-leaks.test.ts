// A failed op frees what it made before the error reaches the caller, outside
// tidy too: the cases of issue 12, then a property that makes every kernel
// call of many composite ops fail in turn (a backend that runs out of memory
// at the n-th call) and checks that live tensors and bytes are back where
// they were, with the caller's tensors untouched.
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Backend,
  OutOfMemoryError,
  ShapeError,
  type Tensor,
  add,
  adaptiveAvgPool2d,
  avgPool2d,
  cast,
  clip,
  conv2d,
  convTranspose2d,
  findBackend,
  grad,
  leakyRelu,
  logSoftmax,
  logSumExp,
  lpPool2d,
  matmul,
  maxPool2d,
  mean,
  memory,
  mul,
  randn,
  registerBackend,
  setBackend,
  softmax,
  split,
  stack,
  sum,
  tensor,
  variance,
  where,
  greater,
} from '@gradstream/core';
import {
  BatchNorm2d,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
  bce,
  bceWithLogits,
  crossEntropy,
  mse,
  nllLoss,
} from '@gradstream/core/nn';
import { thrown } from './expect-throw.js';

interface Snapshot {
  readonly tensors: number;
  readonly bytes: number;
}

function snapshot(): Snapshot {
  const m = memory();
  return { tensors: m.numTensors, bytes: m.numBytes };
}

const int = (values: number[]) => tensor(values, undefined, 'int32');

describe('a failed op leaves nothing alive (issue 12 cases, outside tidy)', () => {
  beforeAll(() => setBackend('cpu'));

  it('rank-1 matmul with mismatched inner dimensions', () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([
      [1, 2],
      [3, 4],
    ]);
    const before = snapshot();
    thrown(() => matmul(a, b), ShapeError);
    expect(snapshot()).toEqual(before);
    expect(a.isDisposed || b.isDisposed).toBe(false);
  });

  it('int32 matmul with mismatched inner dimensions', () => {
    const a = int([1, 2, 3]);
    const b = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      'int32',
    );
    const before = snapshot();
    thrown(() => matmul(a, b), ShapeError);
    expect(snapshot()).toEqual(before);
  });

  it('crossEntropy with a label out of range', () => {
    const logits = randn([4, 3]);
    const labels = int([0, 1, 2, 5]);
    const before = snapshot();
    thrown(() => crossEntropy(logits, labels), Error);
    expect(snapshot()).toEqual(before);
    expect(logits.isDisposed || labels.isDisposed).toBe(false);
  });

  it('a shape error deep inside a Sequential frees the activations of the layers before it', () => {
    const net = new Sequential([new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2), new Conv2d(4, 4, 5)]);
    const x = randn([2, 1, 8, 8]);
    const before = snapshot();
    thrown(() => net.call(x), ShapeError);
    expect(snapshot()).toEqual(before);
    net.dispose();
  });

  it('2,000 failing ops in a loop without tidy leave nothing', () => {
    const a = tensor([1, 2, 3]);
    const b = randn([2, 2]);
    const logits = randn([4, 3]);
    const labels = int([0, 1, 2, 5]);
    const x = randn([1, 1, 4, 4]);
    const w = randn([2, 1, 3, 3]);
    const bias = randn([5]);
    const before = snapshot();
    for (let i = 0; i < 2000; i++) {
      try {
        if (i % 3 === 0) matmul(a, b);
        else if (i % 3 === 1) crossEntropy(logits, labels);
        else conv2d(x, w, { bias });
      } catch {
        // expected: every call fails
      }
    }
    expect(snapshot()).toEqual(before);
  });

  it('an op that succeeds returns a live result and frees nothing it returned', () => {
    const a = tensor([1, 2, 3]);
    const b = randn([3, 2]);
    const y = matmul(a, b);
    expect(y.isDisposed).toBe(false);
    expect(y.shape).toEqual([2]);
    // A later failure does not reach tensors an earlier successful op returned.
    thrown(() => matmul(y, b), ShapeError);
    expect(y.isDisposed).toBe(false);
    expect(y.dataSync()).toHaveLength(2);
  });

  it('a parameter a failing forward registers (keep) survives the failure', () => {
    class Lazy extends Module {
      layer: Linear | undefined;
      forward(x: Tensor): Tensor {
        this.layer ??= this.addModule('fc', new Linear(x.shape[1]!, 2));
        return matmul(this.layer.call(x), randn([3, 3])); // [n,2] × [3,3] fails
      }
    }
    const m = new Lazy();
    thrown(() => m.call(randn([2, 5])), ShapeError);
    expect(m.parameters().map((p) => p.isDisposed)).toEqual([false, false]);
    expect(m.parameters().map((p) => p.shape)).toEqual([[2, 5], [2]]);
    m.dispose();
  });

  it('a conv2d whose bias does not fit frees the convolution it already computed', () => {
    const x = randn([1, 1, 4, 4]);
    const w = randn([2, 1, 3, 3]);
    const bias = randn([5]);
    const before = snapshot();
    thrown(() => conv2d(x, w, { bias }), ShapeError);
    expect(snapshot()).toEqual(before);
  });

  it('an error caught inside a forward does not leak the part that failed', () => {
    class Fallback extends Module {
      readonly w = this.addParameter('weight', randn([2, 1, 3, 3]));
      readonly b = this.addParameter('bias', randn([5])); // does not fit the 2 output channels
      forward(x: Tensor): Tensor {
        try {
          return conv2d(x, this.w, { bias: this.b });
        } catch {
          return mul(x, 2);
        }
      }
    }
    const x = randn([1, 1, 4, 4]);
    const m = new Fallback();
    const before = snapshot();
    const y = m.call(x);
    expect(snapshot().tensors - before.tensors).toBe(1); // the result alone
    y.dispose();
    m.dispose();
  });
});

describe('wasm: out of memory inside matmul leaves nothing', () => {
  beforeAll(() => setBackend('wasm'));
  afterAll(() => setBackend('cpu'));

  // 70000×1 · 1×70000 needs 19.6 GB of output: more than wasm's 4 GiB.
  it('float32: live tensors and bytes are unchanged after the throw', () => {
    const a = randn([70000, 1]);
    const b = randn([1, 70000]);
    const before = snapshot();
    const e = thrown(() => matmul(a, b), OutOfMemoryError);
    expect(e.message).toMatch(/^matmul: out of memory: cannot allocate \d+ bytes on wasm/);
    expect(snapshot()).toEqual(before);
    a.dispose();
    b.dispose();
  });

  it('int32 (cast to float32 first): the casts are freed too', () => {
    const a = cast(randn([70000, 1]), 'int32');
    const b = cast(randn([1, 70000]), 'int32');
    const before = snapshot();
    const wasmBefore = memory().backends.wasm;
    thrown(() => matmul(a, b), Error);
    expect(snapshot()).toEqual(before);
    expect(memory().backends.wasm).toEqual(wasmBefore);
    a.dispose();
    b.dispose();
  });
});

/**
 * The cpu backend, failing with an out-of-memory error at its n-th kernel
 * call or host write: the one failure any op can meet at any step.
 */
class FlakyBackend {
  calls = 0;
  failAt = Number.POSITIVE_INFINITY;

  static create(inner: Backend): { backend: Backend; control: FlakyBackend } {
    const control = new FlakyBackend();
    const passThrough = new Set(['readSync', 'read', 'disposeData', 'memory', 'dispose', 'dtypes']);
    const backend = new Proxy(inner, {
      get(target, key, receiver) {
        if (key === 'name') return 'flaky';
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || passThrough.has(String(key))) return value;
        return (...args: unknown[]) => {
          if (++control.calls >= control.failAt)
            throw new OutOfMemoryError('flaky', 1024, 'flaky', `injected at call ${control.calls}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { backend, control };
  }
}

type Case = readonly [string, () => Tensor[], (inputs: Tensor[]) => unknown];

const CASES: readonly Case[] = [
  ['matmul rank-1', () => [randn([3]), randn([2, 3, 4])], ([a, b]) => matmul(a!, b!)],
  [
    'matmul int32 batched',
    () => [cast(randn([2, 1, 2, 3]), 'int32'), cast(randn([3, 3, 2]), 'int32')],
    ([a, b]) => matmul(a!, b!),
  ],
  ['crossEntropy labels', () => [randn([4, 3]), int([0, 2, 1, 1])], ([x, t]) => crossEntropy(x!, t!)],
  [
    'crossEntropy smoothed probabilities',
    () => [randn([2, 3, 2]), softmax(randn([2, 3, 2]), 1)],
    ([x, t]) => crossEntropy(x!, t!, { labelSmoothing: 0.1 }),
  ],
  ['nllLoss', () => [logSoftmax(randn([3, 4]), 1), int([3, 0, 1])], ([x, t]) => nllLoss(x!, t!, { reduction: 'sum' })],
  ['mse', () => [randn([2, 3]), randn([2, 3])], ([x, t]) => mse(x!, t!)],
  ['bce', () => [softmax(randn([2, 3])), softmax(randn([2, 3]))], ([x, t]) => bce(x!, t!)],
  ['bceWithLogits', () => [randn([2, 3]), softmax(randn([2, 3]))], ([x, t]) => bceWithLogits(x!, t!, { posWeight: 2 })],
  ['logSumExp', () => [randn([3, 4])], ([x]) => logSumExp(x!, [0, 1])],
  ['variance', () => [randn([3, 4])], ([x]) => variance(x!, 1, { unbiased: true })],
  ['mean of int32', () => [int([1, 2, 3, 4])], ([x]) => mean(x!)],
  ['add int and float', () => [int([1, 2]), randn([3, 2])], ([a, b]) => add(a!, b!)],
  ['where', () => [greater(randn([2, 3]), 0), randn([2, 3]), randn([3])], ([c, a, b]) => where(c!, a!, b!)],
  ['leakyRelu', () => [randn([5])], ([x]) => leakyRelu(x!, 0.2)],
  ['clip', () => [randn([5])], ([x]) => clip(x!, -0.5, 0.5)],
  ['stack', () => [randn([2, 3]), randn([2, 3])], ([a, b]) => stack([a!, b!], 1)],
  ['split', () => [randn([2, 3])], ([x]) => split(x!, [1, 2], 1)],
  [
    'conv2d with padding and bias',
    () => [randn([1, 2, 5, 5]), randn([3, 2, 3, 3]), randn([3])],
    ([x, w, b]) =>
      conv2d(x!, w!, {
        padding: [
          [1, 0],
          [0, 2],
        ],
        stride: 2,
        bias: b!,
      }),
  ],
  [
    'convTranspose2d with bias',
    () => [randn([1, 2, 3, 3]), randn([2, 3, 2, 2]), randn([3])],
    ([x, w, b]) => convTranspose2d(x!, w!, { stride: 2, bias: b! }),
  ],
  ['maxPool2d', () => [randn([1, 2, 6, 6])], ([x]) => maxPool2d(x!, 2)],
  ['avgPool2d', () => [randn([1, 2, 6, 6])], ([x]) => avgPool2d(x!, 3, { padding: 1 })],
  ['lpPool2d', () => [randn([1, 2, 6, 6])], ([x]) => lpPool2d(x!, 2, 2)],
  ['adaptiveAvgPool2d', () => [randn([1, 2, 6, 6])], ([x]) => adaptiveAvgPool2d(x!, 4)],
  ['grad of softmax', () => [randn([2, 3])], ([x]) => grad((t) => sum(mul(softmax(t), t)))(x!)],
  ['Sequential with BatchNorm in training mode', () => [randn([2, 1, 6, 6])], ([x]) => net!.call(x!)],
];

let net: Sequential | undefined;

describe('property: every kernel call of a composite op may fail, and nothing leaks', () => {
  let control: FlakyBackend;

  beforeAll(async () => {
    const made = FlakyBackend.create((await findBackend('cpu'))!);
    control = made.control;
    registerBackend('flaky', () => made.backend);
    await setBackend('flaky');
    net = new Sequential([
      new Conv2d(1, 2, 3),
      new BatchNorm2d(2),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(8, 3),
    ]);
  });
  afterAll(async () => {
    net?.dispose();
    await setBackend('cpu');
  });

  it('a kernel running out of memory is reported under the op that called it', () => {
    const x = randn([1, 2, 6, 6]);
    const w = randn([3, 2, 3, 3]);
    const expectOp = (run: () => unknown, op: string) => {
      control.calls = 0;
      control.failAt = 1;
      try {
        const e = (() => {
          try {
            run();
          } catch (err) {
            return err;
          }
        })();
        expect(e).toBeInstanceOf(OutOfMemoryError);
        expect((e as OutOfMemoryError).op).toBe(op);
        expect((e as OutOfMemoryError).bytes).toBe(1024);
      } finally {
        control.failAt = Number.POSITIVE_INFINITY;
      }
    };
    expectOp(() => maxPool2d(x, 2), 'maxPool');
    expectOp(() => conv2d(x, w), 'conv');
    const a = randn([2, 3]);
    const b = randn([3, 2]);
    expectOp(() => matmul(a, b), 'matmul');
    for (const t of [x, w, a, b]) t.dispose();
  });

  it('the error propagates and live tensors and bytes are what they were', () => {
    // How many kernel calls (and writes) each case makes when nothing fails.
    const callsOf = CASES.map(([, make, run]) => {
      const inputs = make();
      control.calls = 0;
      const out = run(inputs);
      const n = control.calls;
      for (const t of [...inputs, ...[out].flat()]) if (t && typeof t === 'object') (t as Tensor).dispose();
      return n;
    });
    // Every case reaches the backend; most make many calls, so a failure can come after work already done.
    expect(Math.min(...callsOf)).toBeGreaterThanOrEqual(1);
    expect(callsOf.filter((n) => n > 3).length).toBeGreaterThan(CASES.length / 2);
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: CASES.length - 1 })
          .chain((i) => fc.tuple(fc.constant(i), fc.integer({ min: 1, max: callsOf[i]! }))),
        ([i, n]) => {
          const [, make, run] = CASES[i]!;
          const inputs = make();
          const before = snapshot();
          control.calls = 0;
          control.failAt = n;
          try {
            expect(() => run(inputs)).toThrow(OutOfMemoryError);
          } finally {
            control.failAt = Number.POSITIVE_INFINITY;
          }
          expect(snapshot()).toEqual(before);
          expect(inputs.every((t) => !t.isDisposed)).toBe(true);
          for (const t of inputs) t.dispose();
        },
      ),
      { numRuns: 300 },
    );
  });
});
