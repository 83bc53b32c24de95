import '@gradstream/backend-cpu';
import { memory } from '@gradstream/core';
import { describe, expect, it } from 'vitest';
import { DataLoader, fromArrays, normalize, randomCrop, type Dataset } from '@gradstream/datasets';

/** n 1×2×2 images whose pixels all equal i / 255 (byte i), label i mod 3. */
function numbered(n: number): Dataset {
  const pixels = Uint8Array.from({ length: n * 4 }, (_, k) => Math.floor(k / 4));
  return fromArrays(
    pixels,
    Array.from({ length: n }, (_, i) => i % 3),
    { imageShape: [1, 2, 2], classes: ['a', 'b', 'c'] },
  );
}

/** Sample ids of one epoch, batch by batch, read back from the pixels. */
function epochIds(loader: DataLoader, epoch: number): number[][] {
  return [...loader.arrays(epoch)].map((b) =>
    Array.from({ length: b.shape[0] }, (_, s) => Math.round(b.x[s * 4]! * 255)),
  );
}

describe('DataLoader', () => {
  it('yields N×C×H×W float32 and [N] int32 tensors the consumer owns', async () => {
    const before = memory().numTensors;
    const loader = new DataLoader(numbered(10), { batchSize: 4 });
    expect(loader.length).toBe(3);
    const shapes: number[][] = [];
    for await (const { x, y } of loader) {
      expect(x.dtype).toBe('float32');
      expect(y.dtype).toBe('int32');
      shapes.push([...x.shape]);
      const ys = await y.data();
      const xs = await x.data();
      expect([...ys]).toEqual(Array.from({ length: x.shape[0]! }, (_, s) => Math.round(xs[s * 4]! * 255) % 3));
      x.dispose();
      y.dispose();
    }
    expect(shapes).toEqual([
      [4, 1, 2, 2],
      [4, 1, 2, 2],
      [2, 1, 2, 2],
    ]);
    expect(memory().numTensors).toBe(before);
  });

  it('visits each sample exactly once per epoch, shuffled or not', () => {
    for (const shuffle of [false, true]) {
      const loader = new DataLoader(numbered(23), { batchSize: 5, shuffle, seed: 7 });
      for (const epoch of [0, 1, 2]) {
        expect(
          epochIds(loader, epoch)
            .flat()
            .sort((a, b) => a - b),
        ).toEqual(Array.from({ length: 23 }, (_, i) => i));
      }
    }
    expect(epochIds(new DataLoader(numbered(6), { batchSize: 4 }), 0)).toEqual([
      [0, 1, 2, 3],
      [4, 5],
    ]);
  });

  it('shuffles differently each epoch and identically for equal seeds', () => {
    const a = new DataLoader(numbered(50), { batchSize: 50, shuffle: true, seed: 1 });
    const b = new DataLoader(numbered(50), { batchSize: 50, shuffle: true, seed: 1 });
    const c = new DataLoader(numbered(50), { batchSize: 50, shuffle: true, seed: 2 });
    expect(epochIds(a, 0)).not.toEqual(epochIds(a, 1));
    expect(epochIds(a, 0)).toEqual(epochIds(b, 0));
    expect(epochIds(a, 3)).toEqual(epochIds(b, 3));
    expect(epochIds(a, 0)).not.toEqual(epochIds(c, 0));
  });

  it('each for-await is the next epoch', async () => {
    const loader = new DataLoader(numbered(30), { batchSize: 30, shuffle: true, seed: 4 });
    const seen: number[][] = [];
    for (let e = 0; e < 2; e++) {
      expect(loader.epoch).toBe(e);
      for await (const { x, y } of loader) {
        seen.push([...(await x.data())].filter((_, p) => p % 4 === 0).map((v) => Math.round(v * 255)));
        x.dispose();
        y.dispose();
      }
    }
    expect(seen).toEqual([epochIds(loader, 0).flat(), epochIds(loader, 1).flat()]);
  });

  it('dropLast drops only an incomplete final batch', () => {
    expect(new DataLoader(numbered(10), { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(epochIds(new DataLoader(numbered(10), { batchSize: 4, dropLast: true }), 0).map((b) => b.length)).toEqual([
      4, 4,
    ]);
    expect(new DataLoader(numbered(8), { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(new DataLoader(numbered(3), { batchSize: 4, dropLast: true }).length).toBe(0);
    expect(new DataLoader(numbered(0), { batchSize: 4 }).length).toBe(0);
  });

  it('applies the transform before the tensor is made, reproducibly', async () => {
    const loader = new DataLoader(numbered(8), { batchSize: 8, transform: normalize(0.5, 0.5) });
    for await (const { x, y } of loader) {
      const xs = await x.data();
      expect(xs[4]).toBeCloseTo((1 / 255 - 0.5) / 0.5, 6);
      x.dispose();
      y.dispose();
    }
    const crop = new DataLoader(numbered(8), {
      batchSize: 4,
      shuffle: true,
      seed: 3,
      transform: randomCrop(2, { padding: 1 }),
    });
    expect([...crop.arrays(2)].map((b) => [...b.x])).toEqual([...crop.arrays(2)].map((b) => [...b.x]));
  });

  it('prepares the next batch while the consumer works on the current one', async () => {
    const ds = numbered(12);
    const reads: number[] = [];
    const spy: Dataset = {
      name: 'spy',
      length: ds.length,
      imageShape: ds.imageShape,
      classes: ds.classes,
      get: (i) => ds.get(i),
      readBatch: (idx, x, y) => {
        reads.push(idx.length);
        ds.readBatch!(idx, x, y);
      },
    };
    const it = new DataLoader(spy, { batchSize: 4 })[Symbol.asyncIterator]();
    const first = await it.next();
    expect(reads).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 5)); // the consumer's "training step"
    expect(reads).toHaveLength(2);
    first.value.x.dispose();
    first.value.y.dispose();
    await it.return?.();
  });

  it('breaking out early leaves no tensors behind', async () => {
    const before = memory().numTensors;
    for await (const { x, y } of new DataLoader(numbered(40), { batchSize: 4 })) {
      x.dispose();
      y.dispose();
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
    expect(memory().numTensors).toBe(before);
  });

  it('works with datasets that only implement get()', () => {
    const ds = numbered(5);
    const plain: Dataset = {
      name: 'plain',
      length: 5,
      imageShape: [1, 2, 2],
      classes: ds.classes,
      get: (i) => ds.get(i),
    };
    expect(epochIds(new DataLoader(plain, { batchSize: 2 }), 0)).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('rejects a batch size below 1', () => {
    expect(() => new DataLoader(numbered(3), { batchSize: 0 })).toThrow(RangeError);
  });
});
