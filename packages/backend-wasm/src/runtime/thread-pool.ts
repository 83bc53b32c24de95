import { BackendError } from '@gradstream/core';
import {
  ARGS,
  BLOCK_BYTES,
  CLAIM,
  DONE,
  FAILED,
  FN,
  MAX_ARGS,
  MIN_SPIN_MS,
  POLL,
  PREEMPTED_MS,
  READY,
  SEQ,
  SPIN_MS,
  claimJob,
  waitPolling,
} from './control-block.js';
import { coreCount, importNodeBuiltin, isNode } from './environment.js';
import { workerSource } from './worker-source.js';

/** The part of a Node or browser Worker the pool uses. */
interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

interface PoolWorker {
  handle?: WorkerHandle;
  /** Set once the worker is stopped; a worker still spawning is terminated when it arrives. */
  stopped: boolean;
  /** Why the worker failed to start, if it did. */
  failure?: string;
  /** Word index of the control block in the shared Int32 view. */
  readonly block: number;
  readonly blockPtr: number;
}

/** How long a worker may take to instantiate the module before setThreads gives up on it. */
const START_TIMEOUT_MS = 30_000;

/** Can this thread block in Atomics.wait? (Browser main threads cannot.) */
function canBlock(probe: Int32Array): boolean {
  try {
    Atomics.wait(probe, 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a worker running workerSource; `onError` hears about a worker that crashes. */
async function spawn(onError: (message: string) => void): Promise<WorkerHandle> {
  if (isNode) {
    const { Worker } = await importNodeBuiltin<typeof import('node:worker_threads')>('worker_threads');
    const worker = new Worker(workerSource, { eval: true });
    worker.on('error', (e) => onError(e.message));
    // Idle workers must not keep a process (or a test run) alive.
    worker.unref();
    return worker;
  }
  const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  const worker = new Worker(url);
  worker.addEventListener('error', (e) => onError(e.message));
  return worker;
}

/**
 * Worker threads that run kernel exports on shared linear memory. `run`
 * is synchronous: the calling thread posts one job per worker, runs its own
 * share, then waits for the others, so kernels keep the contract's
 * synchronous signatures. Workers that are still starting are skipped.
 */
export class ThreadPool {
  private readonly workers: PoolWorker[] = [];
  private seq = 0;
  private readonly blocking: boolean;
  /** Whether threads poll before sleeping: only with no more threads than cores (see SPIN_MS). */
  private polling = false;
  /** The calling thread's current poll length (see waitPolling). */
  private readonly budget = { ms: SPIN_MS };

  /**
   * @param allocBlock reserves one control block in shared memory and returns
   *   its address. Blocks are never given back: a terminated worker may still
   *   read its block for a moment, so reusing it could start a stray job.
   */
  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly names: readonly string[],
    private readonly allocBlock: () => number,
  ) {
    this.blocking = canBlock(new Int32Array(new SharedArrayBuffer(4)));
  }

  /** Threads that can take work now, including the calling thread. */
  get threads(): number {
    let ready = 1;
    const i32 = this.i32();
    for (const w of this.workers) if (Atomics.load(i32, w.block + READY) === 1) ready++;
    return ready;
  }

  /** Grows or shrinks to `count` threads (the caller's included); resolves when new workers are ready. */
  async resize(count: number): Promise<void> {
    const target = Math.max(0, Math.floor(count) - 1);
    this.polling = target + 1 <= (await coreCount());
    while (this.workers.length > target) this.stop(this.workers.pop()!);
    const starting: Promise<void>[] = [];
    while (this.workers.length < target) starting.push(this.start());
    await Promise.all(starting);
    const i32 = this.i32();
    for (const w of this.workers) Atomics.store(i32, w.block + POLL, this.polling ? 1 : 0);
  }

  private async start(): Promise<void> {
    const blockPtr = this.allocBlock();
    new Uint8Array(this.memory.buffer, blockPtr, BLOCK_BYTES).fill(0);
    const worker: PoolWorker = { stopped: false, block: blockPtr >> 2, blockPtr };
    this.workers.push(worker);
    const handle = await spawn((message) => (worker.failure = message));
    worker.handle = handle;
    if (worker.stopped) {
      void handle.terminate();
      return;
    }
    handle.postMessage({ module: this.module, memory: this.memory, names: this.names, block: blockPtr });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Atomics.load(this.i32(), worker.block + READY) !== 1) {
      if (worker.failure !== undefined || Date.now() > deadline) {
        const reason = worker.failure ?? `no answer after ${START_TIMEOUT_MS} ms`;
        this.workers.splice(this.workers.indexOf(worker), 1);
        this.stop(worker);
        throw new BackendError('wasm', `a worker thread failed to start: ${reason}`);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  private stop(worker: PoolWorker): void {
    if (worker.stopped) return;
    worker.stopped = true;
    if (worker.handle) {
      const i32 = this.i32();
      i32[worker.block + FN] = -1;
      Atomics.add(i32, worker.block + SEQ, 1);
      Atomics.notify(i32, worker.block + SEQ);
      void worker.handle.terminate();
    }
  }

  /** Stops every worker. */
  dispose(): void {
    while (this.workers.length) this.stop(this.workers.pop()!);
  }

  /**
   * Calls export `names[fn]` once per argument list, the first on this
   * thread and the rest on ready workers, and returns when all are done.
   * `jobs.length` must not exceed `threads`.
   */
  run(fn: number, jobs: readonly (readonly number[])[], local: (args: readonly number[]) => void): void {
    const i32 = this.i32();
    const f64 = new Float64Array(this.memory.buffer);
    const busy = this.workers.filter((w) => Atomics.load(i32, w.block + READY) === 1).slice(0, jobs.length - 1);
    if (busy.length + 1 < jobs.length) throw new BackendError('wasm', 'internal: more jobs than ready threads');
    if (jobs.some((args) => args.length > MAX_ARGS))
      throw new BackendError('wasm', `internal: a kernel takes more than ${MAX_ARGS} arguments`);
    const seq = ++this.seq;
    busy.forEach((w, i) => {
      const args = jobs[i + 1]!;
      f64.set(args, (w.blockPtr >> 3) + ARGS / 2);
      i32[w.block + FN] = fn;
      Atomics.store(i32, w.block + SEQ, seq);
      Atomics.notify(i32, w.block + SEQ);
    });
    let error: { thrown: unknown } | undefined;
    const runHere = (args: readonly number[]) => {
      if (error) return;
      try {
        local(args);
      } catch (e) {
        error = { thrown: e };
      }
    };
    runHere(jobs[0]!);
    // A worker that has not started its job by now is asleep or lost its core: waiting for it would
    // add its wake-up to the kernel's time, so this thread takes the job over (the job's arguments,
    // scratch included, are the same wherever it runs, so results are too).
    const waitFor = busy.filter((w, i) => {
      if (!claimJob(i32, w.block + CLAIM, seq)) return true;
      runHere(jobs[i + 1]!);
      return false;
    });
    let failed = false;
    for (const w of waitFor) {
      // Shares are even, so a worker is usually microseconds behind: poll before sleeping.
      const at = w.block + DONE;
      waitPolling(
        () => Atomics.load(i32, at) !== seq,
        () => {
          // Sleep on the value just read: if the worker finished since, wait returns at once.
          const done = Atomics.load(i32, at);
          if (done !== seq && this.blocking) Atomics.wait(i32, at, done, 50);
        },
        this.polling ? this.budget : undefined,
        SPIN_MS,
        MIN_SPIN_MS,
        PREEMPTED_MS,
      );
      if (i32[w.block + FAILED]) failed = true;
    }
    if (error) throw error.thrown;
    if (failed) throw new BackendError('wasm', 'a kernel failed on a worker thread');
  }

  private i32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }
}
