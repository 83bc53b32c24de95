import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { DataLoader, fromArrays, mnist, synthetic } from '@gradstream/datasets';
import { loadSplits, loadTestSplit } from '../src/setup/datasets.js';
import { subset } from '../src/setup/subset.js';

describe('dataset setup', () => {
  it('subset reads the right samples through get and readBatch, and checks its own bounds', () => {
    const full = synthetic.xo({ count: 10, seed: 3 });
    const tail = subset(full, 6, 10);
    expect(tail.length).toBe(4);
    expect(tail.get(1)).toEqual(full.get(7));
    const x = new Float32Array(2 * 64);
    const y = new Int32Array(2);
    tail.readBatch!([3, 0], x, y);
    expect(Array.from(x.subarray(0, 64))).toEqual(Array.from(full.get(9).image));
    expect(Array.from(y)).toEqual([full.get(9).label, full.get(6).label]);
    expect(() => tail.readBatch!([4], x, y)).toThrow(RangeError);
    expect(() => tail.get(-1)).toThrow(RangeError);
  });

  it('subset of byte storage reads the raw bytes of its own samples and checks its own bounds', () => {
    const full = fromArrays(
      Uint8Array.from({ length: 10 * 4 }, (_, k) => (k * 37) & 255),
      Array.from({ length: 10 }, (_, i) => i % 2),
      { imageShape: [1, 2, 2], classes: ['a', 'b'] },
    );
    const tail = subset(full, 6, 10);
    const bytes = new Uint8Array(2 * 4);
    const y = new Int32Array(2);
    tail.readBatchBytes!([3, 0], bytes, y);
    // Sample 9 then sample 6 of the source, byte k of the source being (k * 37) mod 256.
    expect(Array.from(bytes)).toEqual([36, 37, 38, 39, 24, 25, 26, 27].map((k) => (k * 37) & 255));
    expect(Array.from(y)).toEqual([1, 0]);
    expect(() => tail.readBatchBytes!([4], bytes, y)).toThrow(RangeError);
    expect(subset(synthetic.xo({ count: 4, seed: 1 }), 0, 2).readBatchBytes === undefined).toBe(
      synthetic.xo({ count: 4, seed: 1 }).readBatchBytes === undefined,
    );
  });

  it("a subset's shared storage starts at its own first sample: a prefetching loader reads what readBatchBytes reads", async () => {
    const full = fromArrays(
      Uint8Array.from({ length: 30 * 4 }, (_, k) => (k * 53) & 255),
      Array.from({ length: 30 }, (_, i) => i % 2),
      { imageShape: [1, 2, 2], classes: ['a', 'b'] },
    );
    const middle = subset(full, 7, 23);
    const drawn = async (prefetch: number): Promise<number[][]> => {
      const out: number[][] = [];
      for await (const { x, y } of new DataLoader(middle, { batchSize: 5, shuffle: true, seed: 4, prefetch }).batches(
        0,
      )) {
        out.push([...x.dataSync(), ...y.dataSync()]);
        x.dispose();
        y.dispose();
      }
      return out;
    };
    expect(middle.sharedSource!()).toMatchObject({ first: 7, length: 16 });
    expect(await drawn(2)).toEqual(await drawn(0));
  });

  it('MNIST holds out the last 5,000 training images for validation; --limit cuts every split', () => {
    const s = loadSplits('mnist', { seed: 0, limit: 100 });
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([100, 100, 100]);
    const train = mnist('train');
    expect(s.validation.get(0)).toEqual(train.get(55_000));
    expect(s.train.get(99)).toEqual(train.get(99));
    expect(loadTestSplit('mnist', { seed: 0 }).length).toBe(10_000);
  });

  it('the synthetic sets draw train, validation and test with different seeds', () => {
    const s = loadSplits('xo', { seed: 1 });
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([2048, 512, 512]);
    expect(s.train.get(0).image).not.toEqual(s.validation.get(0).image);
    expect(s.validation.get(0).image).not.toEqual(s.test.get(0).image);
  });
});
