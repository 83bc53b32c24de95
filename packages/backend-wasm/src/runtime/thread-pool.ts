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
import { type KernelArgs, type ParallelKernel, arity, writeArgs } from './kernel-exports.js';
import { wholeView } from './whole-view.js';
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
  /** Made once per worker for waitPolling, so waiting on a job allocates nothing. */
  readonly busy: () => boolean;
  readonly sleep: () => void;
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

/** Runs one job of a kernel on the calling thread. */
export type LocalRunner = <K extends ParallelKernel>(kernel: K, job: KernelArgs<K>) => void;

/**
 * Worker threads that run kernel exports on shared linear memory. `run`
 * is synchronous: the calling thread posts one job per worker, runs its own
 * share, then waits for the others, so kernels keep the contract's
 * synchronous signatures. Workers that are still starting are skipped.
 * A call allocates nothing: jobs go straight from their arguments into the
 * workers' control blocks, through views made again only when memory grows.
 */
export class ThreadPool {
  private readonly workers: PoolWorker[] = [];
  /** The workers given a job by the current run, in job order (job i + 1 went to posted[i]). */
  private readonly posted: PoolWorker[] = [];
  private seq = 0;
  /** Linear memory as int32 words and as float64 argument slots (see wholeView). */
  private readonly i32: () => Int32Array;
  private readonly f64: () => Float64Array;
  /** What the calling thread's share of the current run threw, if anything; run leaves it unset. */
  private thrown: { error: unknown } | undefined;
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
    private readonly names: readonly ParallelKernel[],
    private readonly allocBlock: () => number,
    private readonly local: LocalRunner,
  ) {
    this.blocking = canBlock(new Int32Array(new SharedArrayBuffer(4)));
    this.i32 = wholeView(memory, Int32Array);
    this.f64 = wholeView(memory, Float64Array);
    const tooLong = names.find((n) => arity(n) > MAX_ARGS);
    if (tooLong) throw new BackendError('wasm', `internal: kernel ${tooLong} takes more than ${MAX_ARGS} arguments`);
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
    const block = blockPtr >> 2;
    const worker: PoolWorker = {
      stopped: false,
      block,
      blockPtr,
      busy: () => Atomics.load(this.i32(), block + DONE) !== this.seq,
      sleep: () => {
        // Sleep on the value just read: if the worker finished since, wait returns at once.
        const i32 = this.i32();
        const done = Atomics.load(i32, block + DONE);
        if (done !== this.seq && this.blocking) Atomics.wait(i32, block + DONE, done, 50);
      },
    };
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
   * Runs kernel `names[fn]` once per job, the first on this thread and the
   * rest on ready workers, and returns when all are done. `jobs.length`
   * must not exceed `threads`.
   */
  run<K extends ParallelKernel>(fn: number, jobs: readonly KernelArgs<K>[]): void {
    const kernel = this.names[fn] as K;
    const i32 = this.i32();
    const f64 = this.f64();
    const seq = ++this.seq;
    let posted = 0;
    for (let w = 0; w < this.workers.length && posted + 1 < jobs.length; w++) {
      const worker = this.workers[w]!;
      if (Atomics.load(i32, worker.block + READY) === 1) this.posted[posted++] = worker;
    }
    if (posted + 1 < jobs.length) {
      this.posted.length = 0;
      throw new BackendError('wasm', 'internal: more jobs than ready threads');
    }
    for (let i = 0; i < posted; i++) {
      const worker = this.posted[i]!;
      writeArgs(kernel, jobs[i + 1]!, f64, (worker.blockPtr >> 3) + ARGS / 2);
      i32[worker.block + FN] = fn;
      Atomics.store(i32, worker.block + SEQ, seq);
      Atomics.notify(i32, worker.block + SEQ);
    }
    this.runHere(kernel, jobs[0]!);
    // A worker that has not started its job by now is asleep or lost its core: waiting for it would
    // add its wake-up to the kernel's time, so this thread takes the job over (the job's arguments,
    // scratch included, are the same wherever it runs, so results are too).
    let waiting = 0;
    for (let i = 0; i < posted; i++) {
      const worker = this.posted[i]!;
      if (claimJob(i32, worker.block + CLAIM, seq)) this.runHere(kernel, jobs[i + 1]!);
      else this.posted[waiting++] = worker;
    }
    let failed = false;
    for (let i = 0; i < waiting; i++) {
      const worker = this.posted[i]!;
      // Shares are even, so a worker is usually microseconds behind: poll before sleeping.
      waitPolling(
        worker.busy,
        worker.sleep,
        this.polling ? this.budget : undefined,
        SPIN_MS,
        MIN_SPIN_MS,
        PREEMPTED_MS,
      );
      if (this.i32()[worker.block + FAILED]) failed = true;
    }
    this.posted.length = 0;
    const thrown = this.thrown;
    this.thrown = undefined;
    if (thrown) throw thrown.error;
    if (failed) throw new BackendError('wasm', 'a kernel failed on a worker thread');
  }

  /** Runs one job here; after a throw, the run's other local jobs are skipped and the error kept for run to rethrow. */
  private runHere<K extends ParallelKernel>(kernel: K, job: KernelArgs<K>): void {
    if (this.thrown) return;
    try {
      this.local(kernel, job);
    } catch (e) {
      this.thrown = { error: e };
    }
  }
}
