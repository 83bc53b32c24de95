// The thread pool's failure paths (runtime/thread-pool.ts): a throw in the
// calling thread's share is rethrown once no worker is still writing,
// a run with more jobs than ready threads is refused before anything is
// posted, and the pool runs normally afterwards in both cases. Checked on the
// real kernel module with one worker, the calling thread's share run through
// an injected runner that can be told to fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '@gradstream/core';
import { U_RELU } from '../assembly/opcodes.js';
import { BLOCK_BYTES } from '../src/runtime/control-block.js';
import { Heap } from '../src/runtime/heap.js';
import { type KernelArgs, PARALLEL_KERNELS, bindExports, writeArgs } from '../src/runtime/kernel-exports.js';
import { loadModule } from '../src/runtime/load-module.js';
import { ThreadPool } from '../src/runtime/thread-pool.js';

const N = 4096;
const UNARY = PARALLEL_KERNELS.indexOf('unary');
/** What y holds where no job wrote. */
const UNTOUCHED = 7;

let pool: ThreadPool;
let memory: WebAssembly.Memory;
let x: number;
let y: number;
let failLocal = false;

beforeAll(async () => {
  const { module } = await loadModule({ shared: true, relaxedSimd: false });
  memory = new WebAssembly.Memory({ initial: 64, maximum: 256, shared: true });
  const exports = bindExports((await WebAssembly.instantiate(module, { env: { memory } })).exports);
  const heap = new Heap(memory, exports.heapBase());
  x = heap.alloc(4 * N).ptr;
  y = heap.alloc(4 * N).ptr;
  const args: number[] = [];
  pool = new ThreadPool(
    module,
    memory,
    PARALLEL_KERNELS,
    () => heap.alloc(BLOCK_BYTES).ptr,
    (kernel, job) => {
      if (failLocal) throw new Error('the local share failed');
      writeArgs(kernel, job, args);
      (exports[kernel] as (...a: number[]) => void)(...args);
    },
  );
  await pool.resize(2);
});

afterAll(() => pool.dispose());

/** relu over [start, end) of x into y. */
const half = (start: number, end: number): KernelArgs<'unary'> => ({
  op: U_RELU,
  x: x + 4 * start,
  y: y + 4 * start,
  n: end - start,
});

/** x = −N/2 … N/2 − 1 and y = UNTOUCHED everywhere. */
function reset(): { xs: Float32Array; ys: Float32Array } {
  const xs = new Float32Array(memory.buffer, x, N);
  const ys = new Float32Array(memory.buffer, y, N);
  xs.forEach((_, i) => {
    xs[i] = i - N / 2;
  });
  ys.fill(UNTOUCHED);
  return { xs, ys };
}

const relu = (v: number) => Math.max(v, 0);

describe('ThreadPool failures', () => {
  it('has one worker ready', () => {
    expect(pool.threads).toBe(2);
  });

  it('rethrows the calling thread’s error after the worker’s share is done, then runs normally', () => {
    const { xs, ys } = reset();
    failLocal = true;
    try {
      expect(() => pool.run(UNARY, [half(0, N / 2), half(N / 2, N)])).toThrow('the local share failed');
    } finally {
      failLocal = false;
    }
    // The failed half was never written. The worker's half ran on the worker, whole (run waited for
    // it), or not at all (this thread took it over unstarted and skipped it after the failure).
    expect(ys.subarray(0, N / 2).every((v) => v === UNTOUCHED)).toBe(true);
    const workerHalf = Array.from(ys.subarray(N / 2));
    const skipped = workerHalf.every((v) => v === UNTOUCHED);
    if (!skipped) expect(workerHalf).toEqual(Array.from(xs.subarray(N / 2), relu));

    reset();
    pool.run(UNARY, [half(0, N / 2), half(N / 2, N)]);
    expect(Array.from(ys)).toEqual(Array.from(xs, relu));
  });

  it('refuses more jobs than ready threads before posting any, then runs normally', async () => {
    const { xs, ys } = reset();
    const third = N / 3;
    expect(() => pool.run(UNARY, [half(0, third), half(third, 2 * third), half(2 * third, N)])).toThrow(BackendError);
    // Long enough for a polling worker to have run a job, had one been posted.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ys.every((v) => v === UNTOUCHED)).toBe(true);

    pool.run(UNARY, [half(0, N / 2), half(N / 2, N)]);
    expect(Array.from(ys)).toEqual(Array.from(xs, relu));
  });
});
