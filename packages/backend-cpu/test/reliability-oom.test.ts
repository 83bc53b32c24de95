// Host allocation failures in cpu kernels are OutOfMemoryError (a
// BackendError) with the bytes asked for, not the engine's bare
// `RangeError: Invalid typed array length`; through core's ops the error
// names the op that ran the kernel (issue 12).
import { describe, expect, it } from 'vitest';
import { BackendError, OutOfMemoryError, add, matmul, memory, pad, randn, setBackend } from '@gradstream/core';
import '../src/index.js';
import { allocate, allocateLike } from '../src/storage.js';
import { backend, free, put } from './helpers.js';

function thrown(f: () => unknown): OutOfMemoryError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OutOfMemoryError);
    expect(e).toBeInstanceOf(BackendError);
    return e as OutOfMemoryError;
  }
  throw new Error('expected a throw');
}

// 5e9 elements is past the largest typed array V8 makes (2³² elements), so nothing is actually allocated.
const HUGE = 5e9;

describe('cpu allocation failures are typed', () => {
  it('allocate and allocateLike report the bytes of each dtype', () => {
    for (const [dtype, bytes] of [
      ['float32', 4],
      ['float64', 8],
      ['int32', 4],
      ['bool', 1],
    ] as const) {
      const e = thrown(() => allocate(dtype, HUGE));
      expect(e.bytes).toBe(HUGE * bytes);
      expect(e.where).toBe('cpu');
      expect(e.cause).toBeInstanceOf(RangeError);
    }
    expect(thrown(() => allocateLike(new Float64Array(1), HUGE)).bytes).toBe(HUGE * 8);
  });

  it('kernels: matmul, broadcasting binary and pad outputs too large for the host', () => {
    const a = put(new Array(70000).fill(1), [1, 70000, 1], 'float32');
    const b = put(new Array(70000).fill(1), [1, 1, 70000], 'float32');
    expect(thrown(() => backend.matmul(a, b, false, false)).bytes).toBe(70000 * 70000 * 4);
    expect(thrown(() => backend.binary('mul', a, b)).bytes).toBe(70000 * 70000 * 4);
    expect(
      thrown(() =>
        backend.pad(
          a,
          [
            [0, 0],
            [0, HUGE],
            [0, 0],
          ],
          0,
        ),
      ).bytes,
    ).toBe((70000 + HUGE) * 4);
    free(a, b);
    expect(backend.memory()).toEqual({ bytes: 0, buffers: 0 });
  });

  it('through core ops the error names the op and nothing is left behind', async () => {
    await setBackend('cpu');
    const x = randn([70000, 1]);
    const y = randn([1, 70000]);
    const before = memory();
    const e = thrown(() => add(x, y));
    expect(e.op).toBe('add');
    expect(e.message).toMatch(/^add: out of memory: cannot allocate 19600000000 bytes on cpu/);
    expect(thrown(() => matmul(x, y)).op).toBe('matmul');
    expect(
      thrown(() =>
        pad(x, [
          [0, HUGE],
          [0, 0],
        ]),
      ).op,
    ).toBe('pad');
    expect(memory()).toEqual(before);
  });
});
