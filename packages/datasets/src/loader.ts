import { ArgumentError, checkOptions, tensor, type Random, type Tensor } from '@gradstream/core';
import type { BatchArrays } from './batch.js';
import type { Dataset } from './dataset.js';
import { Prefetcher } from './prefetcher.js';
import { epochRandom, permutation } from './random.js';
import { normalizeTable, type Transform } from './transforms.js';

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Samples per batch (default 32). */
  readonly batchSize?: number;
  /** Visit samples in a new random order each epoch (default false). */
  readonly shuffle?: boolean;
  /** Seed of the per-epoch generator used for shuffling and transforms (default 0). */
  readonly seed?: number;
  /** Skip the last batch when it would be smaller than `batchSize` (default false). */
  readonly dropLast?: boolean;
  /** Applied to each batch's arrays before they become tensors. */
  readonly transform?: Transform;
  /**
   * Batches a worker thread prepares ahead of the consumer (default 0: each
   * batch is prepared on this thread, between the consumer's steps). With
   * n ≥ 1 the tensor path (`for await`, `batches`) reads, decodes and maps
   * the bytes of batch k+1 … k+n into n shared buffers while the consumer
   * works on batch k, and this thread only copies them into tensors (and
   * runs a transform other than `normalize`, which the worker folds into
   * its byte → float table). Same batches in the same order as without it.
   * Node only, for datasets with `sharedSource` (the byte datasets); the
   * thread lives for one epoch and costs about 10 MB resident while it does.
   * A batch the worker cannot prepare rejects with a `PrefetchError`.
   */
  readonly prefetch?: number;
}

/** One batch as tensors: images N×C×H×W float32 and labels [N] int32. The consumer owns and disposes them. */
export interface Batch {
  readonly x: Tensor;
  readonly y: Tensor;
}

/** Runs `f` on a later macrotask, i.e. after the consumer's current step has had its turn. */
const later: (f: () => void) => void = globalThis.setImmediate ?? ((f) => setTimeout(f, 0));

/**
 * Iterates a dataset in batches. Each `for await` over the loader is the next
 * epoch; epoch e draws its order and augmentations from a generator seeded
 * with (seed, e), so runs are reproducible and epochs differ. While the
 * consumer works on one batch, the next batch's arrays are prepared on the
 * following macrotask; tensors are created only for batches handed out, so
 * breaking out of the loop leaks nothing.
 *
 * @example
 * ```ts
 * const loader = new DataLoader(mnist('train'), {
 *   batchSize: 64, shuffle: true, seed: 42, transform: normalize(0.1307, 0.3081),
 * });
 * for await (const { x, y } of loader) {   // x: [64,1,28,28] float32, y: [64] int32
 *   step(x, y);
 *   x.dispose(); y.dispose();
 * }
 * ```
 */
export class DataLoader implements AsyncIterable<Batch> {
  readonly batchSize: number;
  private readonly shuffle: boolean;
  private readonly seed: number;
  private readonly dropLast: boolean;
  private readonly transform: Transform | undefined;
  private readonly prefetch: number;
  private nextEpoch = 0;

  constructor(
    readonly dataset: Dataset,
    options: DataLoaderOptions = {},
  ) {
    checkOptions('DataLoader', options, ['batchSize', 'shuffle', 'seed', 'dropLast', 'transform', 'prefetch']);
    this.batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new RangeError(`DataLoader: batchSize ${this.batchSize}; expected an integer ≥ 1`);
    this.shuffle = options.shuffle ?? false;
    this.seed = options.seed ?? 0;
    this.dropLast = options.dropLast ?? false;
    this.transform = options.transform;
    this.prefetch = options.prefetch ?? 0;
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0)
      throw new ArgumentError('DataLoader', `prefetch ${this.prefetch}; expected an integer ≥ 0`);
    if (this.prefetch > 0 && !(dataset.sharedSource && dataset.readBatchBytes))
      throw new ArgumentError(
        'DataLoader',
        `prefetch needs a dataset whose bytes another thread can read (sharedSource); ${dataset.name} has none`,
      );
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The epoch the next `for await` will run (epochs count from 0). */
  get epoch(): number {
    return this.nextEpoch;
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this.batches(this.nextEpoch++)[Symbol.asyncIterator]();
  }

  /** The batches of epoch `epoch` as tensors, without advancing the loader's epoch (e.g. to resume a run). */
  async *batches(epoch: number): AsyncGenerator<Batch, void, undefined> {
    if (this.prefetch > 0) {
      yield* this.prefetched(epoch);
      return;
    }
    // Each batch's arrays are copied into its tensors at once, so two sets of arrays,
    // taken in turn, serve the whole epoch instead of a fresh pair per batch.
    const source = this.fill(epoch, 2);
    let stopped = false;
    const prepare = () =>
      new Promise<IteratorResult<BatchArrays, void>>((resolve, reject) => {
        later(() => {
          if (stopped) return resolve({ done: true, value: undefined });
          try {
            resolve(source.next());
          } catch (e) {
            reject(e);
          }
        });
      });
    try {
      let pending = prepare();
      for (;;) {
        const r = await pending;
        if (r.done) return;
        pending = prepare();
        // The consumer may stop before awaiting it; its failure must not surface as an unhandled rejection.
        pending.catch(() => undefined);
        const [n] = r.value.shape;
        yield { x: tensor(r.value.x, r.value.shape, 'float32'), y: tensor(r.value.y, [n], 'int32') };
      }
    } finally {
      stopped = true;
    }
  }

  /** The batches of `epoch` prepared by a worker thread ahead of the consumer (the `prefetch` option). */
  private async *prefetched(epoch: number): AsyncGenerator<Batch, void, undefined> {
    const ds = this.dataset;
    const [c, h, w] = ds.imageShape;
    const { order, table, transform, rng } = this.plan(epoch);
    const prefetcher = await Prefetcher.start({
      source: ds.sharedSource!(),
      table: table!,
      plane: h * w,
      order,
      batchSize: this.batchSize,
      batches: this.length,
      slots: this.prefetch,
    });
    try {
      for (let b = 0; b < this.length; b++) {
        const { x, y } = await prefetcher.next(b);
        const n = y.length;
        let batch: Batch;
        try {
          const arrays: BatchArrays = { x, y, shape: [n, c, h, w] };
          // The rng has drawn the order, as fill's has; transforms draw from it in batch order on this thread.
          const t = transform ? transform(arrays, rng) : arrays;
          batch = { x: tensor(t.x, t.shape, 'float32'), y: tensor(t.y, [n], 'int32') };
        } finally {
          // tensor copies the slot's arrays, so the worker may refill it at once.
          prefetcher.release(b);
        }
        yield batch;
      }
    } finally {
      await prefetcher.close();
    }
  }

  /**
   * The order, byte → float table and remaining transform of `epoch`, and its
   * generator after drawing the order: what every path reads a batch with.
   */
  private plan(epoch: number): {
    order: Uint32Array;
    table: Float32Array | undefined;
    transform: Transform | undefined;
    rng: Random;
  } {
    const ds = this.dataset;
    const rng = epochRandom(this.seed, epoch);
    const order = this.shuffle ? permutation(rng, ds.length) : Uint32Array.from({ length: ds.length }, (_, i) => i);
    // Byte datasets are read as bytes and mapped to floats through a table, which
    // also does the normalize transform when that is the transform: one pass per batch.
    const c = ds.imageShape[0];
    const normalized = ds.readBatchBytes && this.transform ? normalizeTable(this.transform, c) : undefined;
    const table = normalized ?? (ds.readBatchBytes ? byteTable(c) : undefined);
    return { order, table, transform: normalized ? undefined : this.transform, rng };
  }

  /**
   * The batches of epoch `epoch` as plain arrays, synchronously: what the
   * tensors are made from, for consumers that build their own (a Worker, another library).
   */
  *arrays(epoch: number): Generator<BatchArrays, void, undefined> {
    yield* this.fill(epoch, 0);
  }

  /** The batches of `epoch`, in fresh arrays (`reuse` 0) or in `reuse` sets of arrays taken in turn. */
  private *fill(epoch: number, reuse: number): Generator<BatchArrays, void, undefined> {
    const ds = this.dataset;
    const [c, h, w] = ds.imageShape;
    const per = c * h * w;
    const { order, table, transform, rng } = this.plan(epoch);
    const bytes = table ? new Uint8Array(this.batchSize * per) : undefined;
    const sets = Array.from({ length: reuse }, () => ({
      x: new Float32Array(this.batchSize * per),
      y: new Int32Array(this.batchSize),
    }));
    for (let b = 0; b < this.length; b++) {
      const indices = order.subarray(b * this.batchSize, Math.min(ds.length, (b + 1) * this.batchSize));
      const n = indices.length;
      const set = reuse > 0 ? sets[b % reuse] : undefined;
      const x = set ? set.x.subarray(0, n * per) : new Float32Array(n * per);
      const y = set ? set.y.subarray(0, n) : new Int32Array(n);
      if (ds.readBatchBytes && table && bytes) {
        ds.readBatchBytes(indices, bytes.subarray(0, n * per), y);
        bytesToFloats(bytes, x, table, h * w);
      } else if (ds.readBatch) ds.readBatch(indices, x, y);
      else readViaGet(ds, indices, x, y, per);
      const batch: BatchArrays = { x, y, shape: [n, c, h, w] };
      yield transform ? transform(batch, rng) : batch;
    }
  }
}

/** The plain byte → float table (b / 255) for `channels` channels. */
function byteTable(channels: number): Float32Array {
  const table = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) for (let b = 0; b < 256; b++) table[c * 256 + b] = b / 255;
  return table;
}

/** x[p] = table[256 · channel of p + bytes[p]] for the x.length first bytes, channel planes of `plane` pixels. */
function bytesToFloats(bytes: Uint8Array, x: Float32Array, table: Float32Array, plane: number): void {
  const channels = table.length / 256;
  for (let start = 0, ch = 0; start < x.length; start += plane, ch = (ch + 1) % channels) {
    const base = ch * 256;
    for (let p = start; p < start + plane; p++) x[p] = table[base + bytes[p]!]!;
  }
}

function readViaGet(ds: Dataset, indices: Uint32Array, x: Float32Array, y: Int32Array, per: number): void {
  indices.forEach((i, k) => {
    const { image, label } = ds.get(i);
    if (image.length !== per)
      throw new RangeError(`${ds.name}: get(${i}) returned ${image.length} pixels; imageShape needs ${per}`);
    x.set(image, k * per);
    y[k] = label;
  });
}
