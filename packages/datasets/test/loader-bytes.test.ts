import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataLoader, fromArrays, normalize, type Dataset } from '@gradstream/datasets';

// The loader reads byte datasets as bytes and maps them to floats through a
// table that folds in a normalize transform. The references here are naive
// loops over the raw bytes, and the path without bytes (readBatch, then the
// transform), which is what the loader did before.

/** Random bytes as a dataset of n C×H×W images, label = index mod classes. */
function bytesDataset(n: number, shape: readonly [number, number, number], seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) & 255;
  };
  const per = shape[0] * shape[1] * shape[2];
  const raw = Uint8Array.from({ length: n * per }, next);
  const labels = Array.from({ length: n }, (_, i) => i % 4);
  const ds = fromArrays(raw, labels, { imageShape: shape, classes: ['a', 'b', 'c', 'd'] });
  return { ds, raw, labels, per };
}

/** The same samples without readBatchBytes: the float path. */
function floatPath(ds: Dataset): Dataset {
  return {
    name: ds.name,
    length: ds.length,
    imageShape: ds.imageShape,
    classes: ds.classes,
    get: (i) => ds.get(i),
    readBatch: ds.readBatch!.bind(ds),
  };
}

const shapes = fc.constantFrom<readonly [number, number, number]>([1, 2, 3], [3, 2, 2], [2, 1, 5]);

describe('DataLoader over byte storage', () => {
  it('offers readBatchBytes for byte storage only', () => {
    expect(bytesDataset(3, [1, 2, 2], 1).ds.readBatchBytes).toBeTypeOf('function');
    const floats = fromArrays(Float32Array.of(0.5, 0.25), [0, 1], { imageShape: [1, 1, 1], classes: ['a', 'b'] });
    expect(floats.readBatchBytes).toBeUndefined();
  });

  it('a normalized batch is the raw bytes / 255, minus the mean, over the std, per channel', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        shapes,
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        (n, batchSize, shape, seed, shuffle) => {
          const { ds, raw, labels, per } = bytesDataset(n, shape, seed + 1);
          const c = shape[0];
          const mean = Array.from({ length: c }, (_, k) => 0.1 + 0.2 * k);
          const std = Array.from({ length: c }, (_, k) => 0.3 + 0.1 * k);
          const loader = new DataLoader(ds, { batchSize, shuffle, seed, transform: normalize(mean, std) });
          const reference = new DataLoader(floatPath(ds), {
            batchSize,
            shuffle,
            seed,
            transform: normalize(mean, std),
          });
          const plane = per / c;
          const got = [...loader.arrays(0)];
          const want = [...reference.arrays(0)];
          expect(got.map((b) => b.shape)).toEqual(want.map((b) => b.shape));
          got.forEach((b, k) => {
            // Same order and same bits as the float path.
            expect(b.y).toEqual(want[k]!.y);
            expect(b.x).toEqual(want[k]!.x);
            // And the naive formula over the raw bytes of the sample each label belongs to.
            for (let s = 0; s < b.shape[0]; s++) {
              const i = findSample(raw, per, b.x, s, mean, std, plane);
              expect(i).toBeGreaterThanOrEqual(0);
              expect(b.y[s]).toBe(labels[i]);
            }
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('without a transform, batch floats are bytes / 255 in the order of the float path', () => {
    const { ds, raw, per } = bytesDataset(23, [3, 2, 2], 9);
    const loader = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 7 });
    const reference = new DataLoader(floatPath(ds), { batchSize: 5, shuffle: true, seed: 7 });
    const want = [...reference.arrays(1)];
    [...loader.arrays(1)].forEach((b, k) => {
      expect(b.x).toEqual(want[k]!.x);
      expect(b.y).toEqual(want[k]!.y);
    });
    // The first sample of epoch 1 for seed 7 is sample 17 (pinned from the loader before byte reading).
    const first = [...loader.arrays(1)][0]!;
    for (let p = 0; p < per; p++) expect(first.x[p]).toBe(Math.fround(raw[17 * per + p]! / 255));
  });

  it('keeps the epoch order of seed 7 that the float path had', () => {
    const ds = fromArrays(
      Uint8Array.from({ length: 23 * 4 }, (_, k) => Math.floor(k / 4)),
      Array.from({ length: 23 }, (_, i) => i % 3),
      { imageShape: [1, 2, 2], classes: ['a', 'b', 'c'] },
    );
    const ids = (epoch: number) =>
      [
        ...new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 7, transform: normalize(0.5, 0.5) }).arrays(epoch),
      ].map((b) => Array.from({ length: b.shape[0] }, (_, s) => Math.round((b.x[s * 4]! * 0.5 + 0.5) * 255)));
    expect(ids(0)).toEqual([
      [2, 15, 11, 17, 10],
      [3, 4, 5, 22, 0],
      [14, 9, 16, 19, 18],
      [7, 6, 1, 12, 20],
      [13, 21, 8],
    ]);
    expect(ids(1)).toEqual([
      [17, 7, 21, 19, 10],
      [16, 11, 13, 22, 5],
      [4, 0, 3, 18, 1],
      [6, 8, 15, 12, 20],
      [9, 2, 14],
    ]);
  });

  it('tensors held across the epoch keep their values while later batches reuse the arrays', async () => {
    const { ds } = bytesDataset(23, [2, 2, 3], 5);
    const options = { batchSize: 4, shuffle: true, seed: 3, transform: normalize([0.2, 0.4], [0.5, 0.25]) };
    const held: { x: Float32Array; y: Int32Array }[] = [];
    const tensors = [];
    for await (const b of new DataLoader(ds, options).batches(2)) tensors.push(b);
    for (const b of tensors) {
      held.push({ x: b.x.dataSync() as Float32Array, y: b.y.dataSync() as Int32Array });
      b.x.dispose();
      b.y.dispose();
    }
    const fresh = [...new DataLoader(ds, options).arrays(2)];
    expect(held.map((b) => [...b.x])).toEqual(fresh.map((b) => [...b.x]));
    expect(held.map((b) => [...b.y])).toEqual(fresh.map((b) => [...b.y]));
    // arrays() hands out arrays of their own.
    expect(fresh[0]!.x.buffer).not.toBe(fresh[2]!.x.buffer);
  });

  it('a normalize for another channel count fails as the transform does', () => {
    const { ds } = bytesDataset(4, [3, 2, 2], 2);
    const loader = new DataLoader(ds, { batchSize: 2, transform: normalize([0.5, 0.5], [0.5, 0.5]) });
    expect(() => [...loader.arrays(0)]).toThrow('normalize: 2 mean values for 3 channels');
  });
});

/** Index of the raw image whose naive normalization is sample s of x (float32 rounding of the division allowed), or -1. */
function findSample(
  raw: Uint8Array,
  per: number,
  x: Float32Array,
  s: number,
  mean: readonly number[],
  std: readonly number[],
  plane: number,
): number {
  const n = raw.length / per;
  for (let i = 0; i < n; i++) {
    let same = true;
    for (let p = 0; p < per && same; p++) {
      const ch = Math.floor(p / plane);
      const want = (raw[i * per + p]! / 255 - mean[ch]!) / std[ch]!;
      same = Math.abs(x[s * per + p]! - want) <= 1e-6 * Math.max(1, Math.abs(want));
    }
    if (same) return i;
  }
  return -1;
}
