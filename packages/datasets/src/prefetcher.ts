import { GradstreamError } from '@gradstream/core';
import type { SharedSource } from './dataset.js';
import { EMPTY, FULL, SLOT_STATE, STOP, prefetchWorkerSource } from './prefetch-worker-source.js';

/** The prefetch worker could not prepare a batch (inconsistent data, a crashed or missing thread). */
export class PrefetchError extends GradstreamError {
  constructor(message: string) {
    super('DataLoader', message);
  }
}

/** One epoch as the worker prepares it. */
export interface PrefetchPlan {
  readonly source: SharedSource;
  /** Byte → float table, 256 entries per channel. */
  readonly table: Float32Array;
  /** Pixels per channel plane. */
  readonly plane: number;
  /** The epoch's sample order; batch b is order[b·batchSize …]. */
  readonly order: Uint32Array;
  readonly batchSize: number;
  readonly batches: number;
  /** Batches the worker may have ready ahead of the consumer. */
  readonly slots: number;
}

/** The part of a Node Worker the prefetcher uses. */
interface WorkerHandle {
  postMessage(message: unknown): void;
  on(event: 'message', f: (m: { filled?: number; error?: string }) => void): void;
  on(event: 'error', f: (e: Error) => void): void;
  on(event: 'exit', f: (code: number) => void): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** Imports a Node built-in through a specifier bundlers cannot see (the main entry stays browser-safe). */
function importNodeBuiltin<T>(name: string): Promise<T> {
  const specifier = `node:${name}`;
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier) as Promise<T>;
}

/**
 * A worker thread that fills a ring of `slots` shared batch buffers in
 * order while the consumer works: batch b goes into slot b mod slots once
 * the consumer has released batch b − slots. The thread is unreferenced
 * except while the consumer waits for a batch, so an abandoned epoch never
 * keeps a process alive; {@link close} stops it.
 */
export class Prefetcher {
  private filled = -1;
  private failure: PrefetchError | undefined;
  private exited = false;
  private waiting:
    | { readonly batch: number; readonly resolve: () => void; readonly reject: (e: Error) => void }
    | undefined;

  private constructor(
    private readonly worker: WorkerHandle,
    private readonly ctrl: Int32Array,
    private readonly xs: readonly Float32Array[],
    private readonly ys: readonly Int32Array[],
    private readonly plan: PrefetchPlan,
  ) {
    worker.on('message', (m) => {
      if (m.error !== undefined) this.fail(new PrefetchError(m.error));
      else if (m.filled !== undefined) this.filled = m.filled;
      this.wake();
    });
    worker.on('error', (e) => {
      this.fail(new PrefetchError(`the prefetch worker failed: ${e.message}`));
      this.wake();
    });
    worker.on('exit', () => {
      this.exited = true;
      this.wake();
    });
  }

  /** Starts the worker on `plan`. Node only. */
  static async start(plan: PrefetchPlan): Promise<Prefetcher> {
    const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
    if (!isNode) throw new PrefetchError('prefetch needs worker_threads, which only Node provides');
    const { Worker } = await importNodeBuiltin<typeof import('node:worker_threads')>('worker_threads');
    const per = plan.source.pixelsPerImage;
    const ctrl = new Int32Array(new SharedArrayBuffer(4 * (SLOT_STATE + plan.slots)));
    const xs = Array.from(
      { length: plan.slots },
      () => new Float32Array(new SharedArrayBuffer(4 * plan.batchSize * per)),
    );
    const ys = Array.from({ length: plan.slots }, () => new Int32Array(new SharedArrayBuffer(4 * plan.batchSize)));
    const worker = new Worker(prefetchWorkerSource, {
      eval: true,
      // The worker allocates a few small objects per batch: a young generation of 2 × 1 MB is plenty.
      resourceLimits: { maxYoungGenerationSizeMb: 2 },
    }) as unknown as WorkerHandle;
    worker.unref();
    const { source } = plan;
    worker.postMessage({
      pixels: source.pixels,
      starts: source.starts,
      labels: source.labels,
      per,
      first: source.first,
      length: source.length,
      table: plan.table,
      plane: plan.plane,
      order: plan.order,
      batchSize: plan.batchSize,
      batches: plan.batches,
      ctrl,
      xs,
      ys,
    });
    return new Prefetcher(worker, ctrl, xs, ys, plan);
  }

  /** Batch `b`'s images (floats) and labels, views of its slot valid until {@link release}. Batches are taken in order. */
  async next(b: number): Promise<{ readonly x: Float32Array; readonly y: Int32Array }> {
    const s = b % this.plan.slots;
    // The slot's word says FULL before the worker's message arrives: a batch already made is taken
    // at once, without waiting for an event-loop turn to deliver the message.
    while (Atomics.load(this.ctrl, SLOT_STATE + s) !== FULL && this.filled < b) {
      if (this.failure) throw this.failure;
      if (this.exited) throw new PrefetchError(`the prefetch worker stopped before batch ${b} of ${this.plan.batches}`);
      // Referenced only while waiting: the consumer's await is what keeps the process alive.
      this.worker.ref();
      try {
        await new Promise<void>((resolve, reject) => {
          this.waiting = { batch: b, resolve, reject };
        });
      } finally {
        this.waiting = undefined;
        this.worker.unref();
      }
    }
    if (Atomics.load(this.ctrl, SLOT_STATE + s) !== FULL)
      throw new PrefetchError(`internal: slot of batch ${b} is not full`);
    const n = Math.min(this.plan.batchSize, this.plan.order.length - b * this.plan.batchSize);
    return { x: this.xs[s]!.subarray(0, n * this.plan.source.pixelsPerImage), y: this.ys[s]!.subarray(0, n) };
  }

  /** Hands batch `b`'s slot back to the worker. */
  release(b: number): void {
    const word = SLOT_STATE + (b % this.plan.slots);
    Atomics.store(this.ctrl, word, EMPTY);
    Atomics.notify(this.ctrl, word);
  }

  /** Stops the worker; resolves once its thread has exited. */
  async close(): Promise<void> {
    Atomics.store(this.ctrl, STOP, 1);
    for (let s = 0; s < this.plan.slots; s++) Atomics.notify(this.ctrl, SLOT_STATE + s);
    if (!this.exited) await this.worker.terminate();
  }

  private fail(e: PrefetchError): void {
    this.failure ??= e;
  }

  private wake(): void {
    const w = this.waiting;
    if (!w) return;
    if (this.failure) w.reject(this.failure);
    else w.resolve();
  }
}
