// Bad input raises a typed error whose message names the op and the shapes.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  tensor,
  zeros,
  ones,
  full,
  arange,
  tidy,
  add,
  sub,
  mul,
  matmul,
  reshape,
  concat,
  gather,
  slice,
  transpose,
  sum,
  conv2d,
  maxPool2d,
  grad,
  customGrad,
  setBackend,
  getBackendName,
  listBackends,
  broadcastTo,
  softmax,
  logSoftmax,
  convTranspose1d,
  convTranspose2d,
  memory,
  GradstreamError,
  ShapeError,
  DTypeError,
  DisposedTensorError,
  BackendError,
  GradientError,
  ArgumentError,
} from '@gradstream/core';
import { shapeArb } from '@gradstream/core/testing';

/** Runs fn, expects it to throw an instance of `type`, and returns the error. */
function thrown<E extends Error>(fn: () => unknown, type: new (...a: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    expect(e).toBeInstanceOf(GradstreamError);
    return e as E;
  }
  throw new Error('expected an error');
}

const fmt = (s: number[]) => `[${s.join(',')}]`;

describe('ShapeError', () => {
  it('add([2,3],[4]) names the op and both shapes', () => {
    const e = thrown(() => add(zeros([2, 3]), zeros([4])), ShapeError);
    expect(e.op).toBe('add');
    expect(e.message).toContain('add');
    expect(e.message).toContain('[2,3]');
    expect(e.message).toContain('[4]');
  });

  it('any pair of non-broadcastable shapes, for every binary op', () => {
    const arb = shapeArb({ minRank: 1, maxRank: 3, minDim: 2, maxDim: 4 }).chain((a) =>
      fc
        .tuple(fc.constant(a), fc.integer({ min: 0, max: a.length - 1 }), fc.integer({ min: 2, max: 5 }))
        .filter(([s, i, d]) => s[i] !== d),
    );
    fc.assert(
      fc.property(arb, fc.constantFrom(['add', add], ['sub', sub], ['mul', mul]), ([a, i, d], [name, f]) =>
        tidy(() => {
          const b = a.map((v, k) => (k === i ? d : v));
          const e = thrown(() => f(zeros(a), zeros(b)), ShapeError);
          expect(e.message).toContain(name);
          expect(e.message).toContain(fmt(a));
          expect(e.message).toContain(fmt(b));
        }),
      ),
      { numRuns: 20 },
    );
  });

  it('matmul inner dimension mismatch', () => {
    const e = thrown(() => matmul(zeros([2, 3]), zeros([4, 5])), ShapeError);
    expect(e.message).toMatch(/matmul.*\[2,3\].*\[4,5\]/);
  });

  it('reshape, concat, slice, transpose, sum axis', () => {
    expect(thrown(() => reshape(zeros([2, 3]), [4]), ShapeError).message).toMatch(/reshape.*\[2,3\].*\[4\]/);
    expect(thrown(() => concat([zeros([2, 3]), zeros([2, 4])], 0), ShapeError).message).toMatch(
      /concat.*\[2,3\].*\[2,4\]/,
    );
    expect(thrown(() => slice(zeros([2, 3]), [1, 1], [2, 1]), ShapeError).message).toMatch(/slice.*\[2,3\]/);
    expect(thrown(() => transpose(zeros([2, 3]), [0, 0]), ShapeError).message).toMatch(/transpose.*\[2,3\]/);
    expect(thrown(() => sum(zeros([2, 3]), 2), ShapeError).message).toMatch(/sum.*axis 2/);
  });

  it('conv2d channel mismatch names the op and both shapes', () => {
    const e = thrown(() => conv2d(zeros([1, 3, 5, 5]), zeros([4, 2, 3, 3])), ShapeError);
    expect(e.message).toContain('conv2d');
    expect(e.message).toContain('[1,3,5,5]');
    expect(e.message).toContain('[4,2,3,3]');
  });

  it('tensor with values that cannot fill the shape', () => {
    expect(thrown(() => tensor([1, 2, 3], [2, 2]), ShapeError).message).toMatch(/tensor.*\[2,2\]/);
  });

  it('broadcastTo names itself and both shapes, and leaks nothing when it refuses', () => {
    const x = ones([3]);
    const y = ones([2, 1]);
    const before = memory().numTensors;
    expect(thrown(() => broadcastTo(x, [2]), ShapeError).message).toMatch(/^broadcastTo:.*\[3\].*\[2\]/);
    expect(thrown(() => broadcastTo(y, [2]), ShapeError).message).toMatch(/^broadcastTo:.*\[2,1\].*\[2\]/);
    expect(thrown(() => broadcastTo(y, [2, 3, 2]), ShapeError).message).toMatch(/^broadcastTo:/);
    expect(memory().numTensors).toBe(before);
    expect(broadcastTo(y, [4, 2, 3]).shape).toEqual([4, 2, 3]);
    x.dispose();
    y.dispose();
  });

  it('softmax and logSoftmax name themselves for a bad axis', () => {
    expect(thrown(() => softmax(zeros([2, 3]), 2), ShapeError).message).toMatch(/^softmax:.*axis 2/);
    expect(thrown(() => logSoftmax(zeros([2, 3]), -3), ShapeError).message).toMatch(/^logSoftmax:.*axis -3/);
  });

  it('transposed convolution validates groups, stride and dilation (they once gave garbage silently)', () => {
    expect(
      thrown(() => convTranspose2d(ones([1, 4, 3, 3]), ones([4, 1, 2, 2]), { groups: 3 }), ShapeError).message,
    ).toMatch(/convTranspose2d.*groups 3.*\[1,4,3,3\]/);
    expect(
      thrown(() => convTranspose2d(ones([1, 4, 3, 3]), ones([4, 1, 2, 2]), { groups: 0 }), ArgumentError).message,
    ).toContain('convTranspose2d');
    expect(
      thrown(() => convTranspose1d(ones([1, 1, 3]), ones([1, 1, 2]), { stride: 0 }), ArgumentError).message,
    ).toMatch(/convTranspose1d.*stride/);
    expect(
      thrown(() => convTranspose1d(ones([1, 1, 3]), ones([1, 1, 2]), { stride: 1.5 }), ArgumentError).message,
    ).toMatch(/convTranspose1d.*stride/);
    expect(
      thrown(() => convTranspose1d(ones([1, 1, 3]), ones([1, 1, 2]), { dilation: 0 }), ArgumentError).message,
    ).toMatch(/convTranspose1d.*dilation/);
    expect(
      thrown(() => convTranspose2d(ones([1, 1, 3, 3]), ones([1, 1, 2, 2]), { stride: [1, 1, 1] }), ArgumentError)
        .message,
    ).toMatch(/convTranspose2d.*stride/);
    expect(
      thrown(() => convTranspose1d(ones([1, 1, 3]), ones([1, 1, 2]), { outputPadding: 1 }), ArgumentError).message,
    ).toMatch(/convTranspose1d.*outputPadding/);
  });

  it('pooling with an empty output, and invalid arguments', () => {
    expect(thrown(() => maxPool2d(zeros([1, 1, 2, 2]), 3), ShapeError).message).toContain('maxPool2d');
    expect(thrown(() => maxPool2d(zeros([1, 1, 4, 4]), 2, { stride: 0 }), ArgumentError).message).toContain(
      'maxPool2d',
    );
  });
});

describe('DTypeError', () => {
  /** Expects a DTypeError from fn whose message starts with the op and contains every fragment (shapes, dtypes). */
  const expectDTypeError = (fn: () => unknown, op: string, ...fragments: string[]): void => {
    const e = thrown(fn, DTypeError);
    expect(e.op).toBe(op);
    expect(e.message.startsWith(`${op}: `)).toBe(true);
    for (const f of fragments) expect(e.message).toContain(f);
  };

  it('matmul of float32 and float64 names both shapes and dtypes', () => {
    expectDTypeError(() => matmul(zeros([2, 3]), zeros([3, 4], 'float64')), 'matmul', '[2,3] float32', '[3,4] float64');
  });
  it('gather with float indices names the indices and the gathered tensor', () => {
    expectDTypeError(() => gather(zeros([3, 5]), tensor([0, 1])), 'gather', '[2] float32', '[3,5] float32', 'int32');
  });
  it('concat of mixed dtypes names every operand', () => {
    expectDTypeError(
      () => concat([zeros([2, 3]), zeros([1, 3], 'int32')], 0),
      'concat',
      '[2,3] float32',
      '[1,3] int32',
    );
  });
  it('conv2d on int32 names both shapes', () => {
    expectDTypeError(
      () => conv2d(zeros([1, 1, 3, 3], 'int32'), zeros([1, 1, 1, 1], 'int32')),
      'conv2d',
      '[1,1,3,3] int32',
      '[1,1,1,1] int32',
    );
  });
  it('unknown dtype names the creating op and the shape', () => {
    expectDTypeError(() => tensor([1, 2], [2], 'float16' as never), 'tensor', 'float16', '[2]');
    expectDTypeError(() => full([2, 3], 1, 'complex64' as never), 'full', 'complex64', '[2,3]');
    expectDTypeError(() => arange(0, 4, 1, 'uint8' as never), 'arange', 'uint8', '[4]');
  });
  it('maxPool2d on int32 names the shape', () => {
    expectDTypeError(() => maxPool2d(zeros([1, 1, 2, 2], 'int32'), 2), 'maxPool2d', '[1,1,2,2] int32');
  });
});

describe('DisposedTensorError', () => {
  it('reading or using a disposed tensor names the op and the tensor', () => {
    const x = ones([2, 3]);
    x.dispose();
    expect(x.isDisposed).toBe(true);
    expect(thrown(() => x.dataSync(), DisposedTensorError).message).toMatch(/dataSync.*\[2,3\]/);
    expect(thrown(() => x.toArray(), DisposedTensorError).message).toContain('toArray');
    expect(thrown(() => add(x, 1), DisposedTensorError).message).toMatch(/add.*\[2,3\]/);
    expect(thrown(() => reshape(x, [6]), DisposedTensorError).message).toContain('reshape');
    x.dispose(); // idempotent
  });
  it('async data() rejects too', async () => {
    const x = ones([1]);
    x.dispose();
    await expect(x.data()).rejects.toBeInstanceOf(DisposedTensorError);
  });
});

describe('BackendError', () => {
  it("setBackend('nope') rejects with the registered names, and the active backend is unchanged", async () => {
    const before = getBackendName();
    await expect(setBackend('nope')).rejects.toBeInstanceOf(BackendError);
    const e = await setBackend('nope').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(BackendError);
    expect((e as BackendError).op).toBe('setBackend');
    expect((e as BackendError).message).toMatch(/^setBackend: unknown backend 'nope'; registered: /);
    for (const name of listBackends()) expect((e as BackendError).message).toContain(name);
    expect(listBackends()).toContain('cpu');
    expect(getBackendName()).toBe(before);
  });
});

describe('GradientError', () => {
  it('a customGrad rule returning a wrong-shaped gradient names the op and both shapes', () => {
    const bad = customGrad((x) => ({ value: mul(x, 2), gradFunc: () => [ones([3, 2])] }));
    const e = thrown(() => grad((x) => sum(bad(x)))(ones([2, 3])), GradientError);
    expect(e.op).toBe('customGrad');
    expect(e.message).toContain('customGrad');
    expect(e.message).toContain('[3,2]');
    expect(e.message).toContain('[2,3]');
  });
  it('a customGrad rule returning the wrong dtype', () => {
    const bad = customGrad((x) => ({
      value: mul(x, 2),
      gradFunc: (dy) => [tensor(new Float64Array(dy.size), dy.shape, 'float64')],
    }));
    expect(thrown(() => grad((x) => sum(bad(x)))(ones([2])), GradientError).message).toMatch(
      /customGrad.*float64.*float32/,
    );
  });
  it('a customGrad rule returning the wrong number of gradients', () => {
    const bad = customGrad((x) => ({ value: x, gradFunc: (dy) => [dy, dy] }));
    expect(thrown(() => grad((x) => sum(bad(x)))(ones([2])), GradientError).message).toContain('customGrad');
  });
  it('grad of a non-scalar without dy, and grad with respect to an int tensor', () => {
    expect(thrown(() => grad((x) => mul(x, 2))(ones([2])), GradientError).message).toMatch(/grad.*\[2\]/);
    expect(thrown(() => grad((x) => sum(x))(ones([2], 'int32')), GradientError).message).toMatch(/grad.*int32/);
  });
  it('dy of the wrong shape', () => {
    expect(thrown(() => grad((x) => mul(x, 2))(ones([2]), ones([3])), GradientError).message).toMatch(/\[3\].*\[2\]/);
  });
});
