// Bad input and exhausted memory raise typed errors that say what went wrong
// in the caller's terms (issue 12): out-of-memory on the host and on cpu, the
// messages of crossEntropy, matmul and the conv options, layer constructor
// arguments, reductions of empty tensors, and errors inside a model naming
// the module they came from.
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  BackendError,
  DTypeError,
  OutOfMemoryError,
  ShapeError,
  type Tensor,
  argmax,
  argmin,
  conv2d,
  logSoftmax,
  logSumExp,
  matmul,
  max,
  maxPool2d,
  memory,
  min,
  ones,
  pad,
  randn,
  setBackend,
  softmax,
  tensor,
  zeros,
} from '@gradstream/core';
import {
  Conv1d,
  Conv2d,
  ConvTranspose2d,
  Flatten,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
  crossEntropy,
} from '@gradstream/core/nn';
import { thrown } from './expect-throw.js';

describe('out of memory is a typed error naming the op and the bytes (cpu and host)', () => {
  beforeAll(() => setBackend('cpu'));

  it('zeros([5e9]) on the host', () => {
    const e = thrown(() => zeros([5e9]), OutOfMemoryError);
    expect(e).toBeInstanceOf(BackendError);
    expect(e.op).toBe('zeros');
    expect(e.bytes).toBe(5e9 * 4);
    expect(e.message).toMatch(/^zeros: out of memory: cannot allocate 20000000000 bytes/);
    expect(e.cause).toBeInstanceOf(RangeError);
  });

  it('ones in float64 names its own op and 8 bytes per element', () => {
    const e = thrown(() => ones([5e9], 'float64'), OutOfMemoryError);
    expect(e.op).toBe('ones');
    expect(e.bytes).toBe(5e9 * 8);
  });

  it('a huge matmul output on cpu', () => {
    const a = randn([70000, 1]);
    const b = randn([1, 70000]);
    const before = memory();
    const e = thrown(() => matmul(a, b), OutOfMemoryError);
    expect(e.op).toBe('matmul');
    expect(e.where).toBe('cpu');
    expect(e.bytes).toBe(70000 * 70000 * 4);
    expect(e.message).toMatch(/^matmul: out of memory: cannot allocate 19600000000 bytes on cpu/);
    expect(memory().numTensors).toBe(before.numTensors);
  });

  it('a huge padding on cpu', () => {
    const x = randn([1, 2]);
    const e = thrown(
      () =>
        pad(x, [
          [0, 0],
          [0, 5e9],
        ]),
      OutOfMemoryError,
    );
    expect(e.op).toBe('pad');
    expect(e.bytes).toBe((5e9 + 2) * 4);
  });
});

describe('wasm reports running out of memory with the same base class', () => {
  beforeAll(() => setBackend('wasm'));
  afterAll(() => setBackend('cpu'));

  it('a matmul past 4 GiB is a BackendError saying out of memory and the bytes', () => {
    const e = thrown(() => matmul(randn([70000, 1]), randn([1, 70000])), BackendError);
    expect(e.message).toMatch(/out of memory: cannot allocate 19600000000 bytes/);
  });
});

describe('messages in the caller’s terms', () => {
  it('crossEntropy with float class indices says they must be int32', () => {
    const e = thrown(() => crossEntropy(randn([4, 3]), tensor([0, 2, 1, 1])), DTypeError);
    expect(e.message).toMatch(/class indices must be int32/);
    expect(e.message).toMatch(/\[4\] float32/);
    expect(e.message).not.toMatch(/probability targets/);
  });

  it('crossEntropy with float targets fitting neither form names both forms', () => {
    const e = thrown(() => crossEntropy(randn([4, 3]), randn([4, 2])), ShapeError);
    expect(e.message).toMatch(
      /\[4,2\] float32 fit neither logits \[4,3\] as probabilities .* nor as class indices \(int32 of shape \[4\]\)/,
    );
  });

  it("matmul quotes the rank-1 operand's shape as passed", () => {
    const e = thrown(() => matmul(tensor([1, 2, 3]), zeros([2, 2])), ShapeError);
    expect(e.message).toBe('matmul: inner dimensions differ: [3] × [2,2] (3 vs 2)');
    const f = thrown(() => matmul(zeros([2, 4]), tensor([1, 2, 3])), ShapeError);
    expect(f.message).toBe('matmul: inner dimensions differ: [2,4] × [3] (4 vs 3)');
  });

  it('a NaN stride is printed as NaN, not null', () => {
    const e = thrown(() => conv2d(randn([1, 1, 5, 5]), randn([1, 1, 3, 3]), { stride: Number.NaN }), ArgumentError);
    expect(e.message).toBe('conv2d: stride must be integers ≥ 1, got NaN');
    const f = thrown(
      () => conv2d(randn([1, 1, 5, 5]), randn([1, 1, 3, 3]), { dilation: [1, Number.NaN] }),
      ArgumentError,
    );
    expect(f.message).toBe('conv2d: dilation must be integers ≥ 1, got [1,NaN]');
    const p = thrown(() => pad(randn([2]), [[Number.NaN, 0]]), ArgumentError);
    expect(p.message).toBe('pad: paddings must be non-negative integers, got [[NaN,0]]');
    const g = thrown(() => maxPool2d(randn([1, 1, 5, 5]), [2, Number.POSITIVE_INFINITY]), ArgumentError);
    expect(g.message).toMatch(/got \[2,Infinity\]/);
  });
});

describe('layer constructors check their size arguments and name the layer', () => {
  const cases: readonly [string, () => unknown, RegExp][] = [
    ['Conv2d(-1, …)', () => new Conv2d(-1, 4, 3), /^Conv2d: inChannels must be a positive integer, got -1$/],
    ['Conv2d(3, 0, …)', () => new Conv2d(3, 0, 3), /^Conv2d: outChannels must be a positive integer, got 0$/],
    ['Conv2d kernel 0', () => new Conv2d(3, 4, 0), /^Conv2d: kernelSize must be integers ≥ 1, got 0$/],
    ['Conv1d(2.5, …)', () => new Conv1d(2.5, 4, 3), /^Conv1d: inChannels must be a positive integer, got 2.5$/],
    [
      'ConvTranspose2d(…, NaN, …)',
      () => new ConvTranspose2d(3, Number.NaN, 3),
      /^ConvTranspose2d: outChannels must be a positive integer, got NaN$/,
    ],
    ['Linear(0, …)', () => new Linear(0, 3), /^Linear: inFeatures must be a positive integer, got 0$/],
    ['Linear(…, -2)', () => new Linear(3, -2), /^Linear: outFeatures must be a positive integer, got -2$/],
    ['groups 0', () => new Conv2d(4, 4, 3, { groups: 0 }), /^Conv2d: groups 0 must be a positive integer dividing/],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      const before = memory().numTensors;
      const e = thrown(make, ArgumentError);
      expect(e.message).toMatch(message);
      expect(memory().numTensors).toBe(before); // refused before any parameter was made
    });
  }
});

describe('max, min, argmax and argmin of empty tensors raise, as in PyTorch', () => {
  it('over every axis of an empty tensor', () => {
    for (const op of [max, min]) {
      const e = thrown(() => op(zeros([0])), ShapeError);
      expect(e.op).toBe(op.name);
      expect(e.message).toMatch(/cannot reduce \[0\] over empty axis 0/);
    }
    expect(thrown(() => argmax(zeros([2, 0])), ShapeError).message).toBe(
      'argmax: [2,0] is empty: it has no maximum to index',
    );
    expect(thrown(() => argmin(zeros([0, 3])), ShapeError).op).toBe('argmin');
  });

  it('over an empty axis, and not over a non-empty one of an empty tensor', () => {
    expect(thrown(() => max(zeros([3, 0]), 1), ShapeError).message).toMatch(/\[3,0\] over empty axis 1/);
    expect(thrown(() => argmax(zeros([3, 0]), 1), ShapeError).message).toMatch(/axis 1 of \[3,0\] is empty/);
    // torch.zeros(0, 3).max(1) gives an empty result.
    expect(max(zeros([0, 3]), 1).shape).toEqual([0]);
    expect(min(zeros([0, 3]), 1, { keepDims: true }).shape).toEqual([0, 1]);
  });

  it('softmax, logSoftmax and logSumExp over an empty axis still work, as in PyTorch', () => {
    // torch.softmax(torch.zeros(3, 0), -1).shape == (3, 0); torch.logsumexp(torch.zeros(3, 0), -1) == [-inf]*3
    expect(softmax(zeros([3, 0])).shape).toEqual([3, 0]);
    expect(logSoftmax(zeros([3, 0])).shape).toEqual([3, 0]);
    expect(Array.from(logSumExp(zeros([3, 0])).dataSync())).toEqual([
      Number.NEGATIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
  });
});

describe('an error inside a model names the module path and class', () => {
  class Net extends Module {
    readonly features = this.addModule(
      'features',
      new Sequential([new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2), new Conv2d(4, 8, 5)]),
    );
    readonly classifier = this.addModule('classifier', new Sequential([new Flatten(), new Linear(8, 10)]));
    forward(x: Tensor): Tensor {
      return this.classifier.call(this.features.call(x));
    }
  }

  it('a too-small input: features.3 (Conv2d), original class and message kept, prefixed once', () => {
    const net = new Net();
    const e = thrown(() => net.call(randn([2, 1, 10, 10])), ShapeError);
    expect(e.op).toBe('conv2d');
    expect(e.message).toMatch(/^features\.3 \(Conv2d\): conv2d: /);
    expect(e.message.match(/Conv2d\)/g)).toHaveLength(1);
    expect(e.message).toMatch(/gives an empty output/);
    expect(e.stack).toMatch(/^ShapeError: features\.3 \(Conv2d\): conv2d: /);
    net.dispose();
  });

  it('a later layer: classifier.1 (Linear)', () => {
    const net = new Net();
    const e = thrown(() => net.call(randn([2, 1, 16, 16])), ShapeError);
    expect(e.message).toMatch(
      /^classifier\.1 \(Linear\): matmul: inner dimensions differ: \[2,72\] × \[10,8\]ᵀ \(72 vs 8\)$/,
    );
    net.dispose();
  });

  it('a Sequential called directly names the child by its index', () => {
    const seq = new Sequential([new Linear(4, 3), new ReLU(), new Linear(5, 2)]);
    const e = thrown(() => seq.call(randn([1, 4])), ShapeError);
    expect(e.message).toMatch(/^2 \(Linear\): matmul: /);
    seq.dispose();
  });

  it('a layer called on its own names its class', () => {
    const fc = new Linear(4, 3);
    expect(thrown(() => fc.call(randn([1, 5])), ShapeError).message).toMatch(/^Linear: matmul: /);
    fc.dispose();
  });

  it('a frozen error passes through unchanged', () => {
    class Frozen extends Module {
      forward(): Tensor {
        throw Object.freeze(new ArgumentError('Frozen', 'cannot be labelled'));
      }
    }
    const seq = new Sequential([new Frozen()]);
    expect(thrown(() => seq.call(randn([1])), ArgumentError).message).toBe('Frozen: cannot be labelled');
  });

  it('a model that raises in its own forward names itself, and errors it catches are not labelled', () => {
    class Picky extends Module {
      readonly inner = this.addModule('inner', new Linear(2, 2));
      forward(x: Tensor): Tensor {
        try {
          this.inner.call(randn([1, 3]));
        } catch {
          // recovered: this error never reaches the caller
        }
        throw new ArgumentError('Picky', `wants 2 features, got ${x.shape[1]}`);
      }
    }
    const m = new Picky();
    expect(thrown(() => m.call(randn([1, 3])), ArgumentError).message).toBe('Picky: Picky: wants 2 features, got 3');
    m.dispose();
  });
});
