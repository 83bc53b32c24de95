import '@gradstream/backend-cpu';
import { readdirSync } from 'node:fs';
import { ArgumentError } from '@gradstream/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DataLoader,
  type DataLoaderOptions,
  type Dataset,
  fromArrays,
  normalize,
  PrefetchError,
  randomShift,
  type SharedSource,
} from '@gradstream/datasets';
import { mnist } from '@gradstream/datasets/node';

// A loader with `prefetch` prepares batches on a worker thread. The reference
// is the same loader without it (each batch prepared on this thread, the path
// loader-bytes.test.ts checks against naive loops): every batch must be the
// same bits in the same order. Threads are counted in /proc (Linux) to see
// that no worker outlives its epoch.

/** Threads of this process now. */
const threads = (): number => readdirSync('/proc/self/task').length;

interface Drawn {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly shape: readonly number[];
}

/** Up to `limit` batches of `epoch`, copied off their tensors. */
async function draw(loader: DataLoader, epoch: number, limit = Infinity): Promise<Drawn[]> {
  const out: Drawn[] = [];
  for await (const { x, y } of loader.batches(epoch)) {
    out.push({ x: x.dataSync() as Float32Array, y: y.dataSync() as Int32Array, shape: [...x.shape] });
    x.dispose();
    y.dispose();
    if (out.length >= limit) break;
  }
  return out;
}

function expectSameBatches(got: readonly Drawn[], want: readonly Drawn[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, b) => {
    expect(g.shape, `batch ${b}`).toEqual(want[b]!.shape);
    expect(
      Buffer.from(g.x.buffer, g.x.byteOffset, g.x.byteLength).equals(
        Buffer.from(want[b]!.x.buffer, want[b]!.x.byteOffset, want[b]!.x.byteLength),
      ),
      `batch ${b} pixels`,
    ).toBe(true);
    expect([...g.y], `batch ${b} labels`).toEqual([...want[b]!.y]);
  });
}

/** Sparse random bytes (most zero, as digits are) as n images of `shape`, label = index mod 3. */
function sparseBytes(n: number, shape: readonly [number, number, number], seed: number): Dataset {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const per = shape[0] * shape[1] * shape[2];
  const raw = Uint8Array.from({ length: n * per }, () => (next() % 4 === 0 ? next() & 255 : 0));
  return fromArrays(
    raw,
    Array.from({ length: n }, (_, i) => i % 3),
    { imageShape: shape, classes: ['a', 'b', 'c'] },
  );
}

describe('DataLoader prefetch', () => {
  it('yields the same batches in the same order as without it, for any seed, batch size, transform and ring', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom<readonly [number, number, number]>([1, 4, 4], [3, 2, 3], [2, 5, 1]),
        fc.integer({ min: 0, max: 1 << 20 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('none', 'normalize', 'shift'),
        fc.integer({ min: 1, max: 3 }),
        async (n, batchSize, shape, seed, shuffle, dropLast, kind, slots) => {
          const ds = sparseBytes(n, shape, seed + 1);
          const transform =
            kind === 'normalize'
              ? normalize(
                  Array.from({ length: shape[0] }, (_, k) => 0.1 + 0.2 * k),
                  Array.from({ length: shape[0] }, (_, k) => 0.3 + 0.1 * k),
                )
              : kind === 'shift'
                ? randomShift(1)
                : undefined;
          const options: DataLoaderOptions = { batchSize, shuffle, seed, dropLast, ...(transform && { transform }) };
          const epoch = seed % 3;
          const want = await draw(new DataLoader(ds, options), epoch);
          const got = await draw(new DataLoader(ds, { ...options, prefetch: slots }), epoch);
          expectSameBatches(got, want);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('reads MNIST from its runs as the loader does on this thread, epoch after epoch', async () => {
    const ds = mnist('test');
    const options = { batchSize: 64, shuffle: true, seed: 7, transform: normalize(0.1307, 0.3081) };
    for (const epoch of [0, 1]) {
      expectSameBatches(
        await draw(new DataLoader(ds, { ...options, prefetch: 2 }), epoch),
        await draw(new DataLoader(ds, options), epoch),
      );
    }
  });

  it('leaves no worker thread behind after an epoch, a break, or a failure', async () => {
    const ds = sparseBytes(50, [1, 3, 3], 5);
    const before = threads();
    await draw(new DataLoader(ds, { batchSize: 4, prefetch: 2 }), 0);
    expect(threads()).toBe(before);
    await draw(new DataLoader(ds, { batchSize: 4, prefetch: 2, shuffle: true }), 0, 2);
    expect(threads()).toBe(before);
    await expect(draw(new DataLoader(corrupt(ds, 'starts'), { batchSize: 4, prefetch: 2 }), 0)).rejects.toThrow(
      PrefetchError,
    );
    expect(threads()).toBe(before);
  });

  it('reports data the worker cannot read as a PrefetchError naming the batch and the sample', async () => {
    const ds = sparseBytes(20, [1, 3, 3], 9);
    await expect(draw(new DataLoader(corrupt(ds, 'short'), { batchSize: 8, prefetch: 1 }), 0)).rejects.toThrow(
      /DataLoader: batch 1: sample 8 out of range \[0, 8\)/,
    );
    await expect(draw(new DataLoader(corrupt(ds, 'starts'), { batchSize: 8, prefetch: 1 }), 0)).rejects.toThrow(
      /DataLoader: batch 0: image 0 has no stored bytes/,
    );
    // The batches before the bad one arrive first.
    const loader = new DataLoader(corrupt(ds, 'short'), { batchSize: 8, prefetch: 1 });
    const it = loader.batches(0);
    const first = await it.next();
    expect(first.done).toBe(false);
    if (!first.done) {
      first.value.x.dispose();
      first.value.y.dispose();
    }
    await expect(it.next()).rejects.toBeInstanceOf(PrefetchError);
  });

  it('refuses a bad prefetch count, and datasets another thread cannot read', () => {
    const ds = sparseBytes(4, [1, 2, 2], 1);
    expect(() => new DataLoader(ds, { prefetch: -1 })).toThrow(ArgumentError);
    expect(() => new DataLoader(ds, { prefetch: 1.5 })).toThrow(/prefetch 1.5/);
    const floats = fromArrays(Float32Array.of(0.5, 0.25), [0, 1], { imageShape: [1, 1, 1], classes: ['a', 'b'] });
    expect(() => new DataLoader(floats, { prefetch: 2 })).toThrow(/sharedSource/);
  });
});

/**
 * `ds` with its shared storage damaged: 'short' claims only 8 samples, so the
 * second batch of 8 asks for sample 8; 'starts' stores images in runs whose
 * starts all point past the bytes.
 */
function corrupt(ds: Dataset, how: 'short' | 'starts'): Dataset {
  const source = ds.sharedSource!;
  const sharedSource = (): SharedSource => {
    const s = source();
    if (how === 'short') return { ...s, length: 8 };
    const starts = new Uint32Array(new SharedArrayBuffer(4 * (s.length + 1))).fill(s.pixels.length + 1);
    return { ...s, starts };
  };
  return {
    name: ds.name,
    length: ds.length,
    imageShape: ds.imageShape,
    classes: ds.classes,
    get: (i) => ds.get(i),
    readBatchBytes: ds.readBatchBytes!,
    sharedSource,
  };
}
