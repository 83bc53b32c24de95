import { describe, expect, it } from 'vitest';
import { fashionMnist } from '@gradstream/datasets';
import { idxBytes, idxPair, tempDir } from './helpers.js';

describe('fashionMnist', () => {
  it('reads standard IDX files from dir, gzipped, with clothing class names', () => {
    const t = tempDir(idxPair('train', 4), true);
    try {
      const ds = fashionMnist('train', { dir: t.dir });
      expect(ds.name).toBe('fashion-mnist-train');
      expect(ds.length).toBe(4);
      expect(ds.classes[ds.get(3).label]).toBe('Dress');
    } finally {
      t.cleanup();
    }
  });

  it('rejects a label outside its 10 classes', () => {
    const t = tempDir({ ...idxPair('t10k', 2), 't10k-labels-idx1-ubyte': idxBytes([2], [0, 12]) });
    try {
      expect(() => fashionMnist('test', { dir: t.dir })).toThrow(
        expect.objectContaining({ code: 'label-range', offset: 9 }),
      );
    } finally {
      t.cleanup();
    }
  });

  it('a dir without the files is a missing-file error', () => {
    expect(() => fashionMnist('test', { dir: '/nonexistent/fashion' })).toThrow(
      expect.objectContaining({ code: 'missing-file' }),
    );
  });

  it('without dir, reads the npm package: 10,000 test images, 1,000 per class, pixels in [0, 1]', () => {
    const test = fashionMnist('test');
    expect(test.length).toBe(10_000);
    expect(test.imageShape).toEqual([1, 28, 28]);
    const counts = new Array<number>(10).fill(0);
    let sum = 0;
    for (let i = 0; i < test.length; i++) {
      const { image, label } = test.get(i);
      counts[label]!++;
      for (const v of image) sum += v;
    }
    expect(counts).toEqual(new Array(10).fill(1000));
    // Classes are interleaved so an unshuffled pass is not sorted by label.
    expect([0, 1, 2].map((i) => test.get(i).label)).toEqual([0, 1, 2]);
    // Fashion-MNIST's pixel mean is about 0.286.
    expect(sum / (test.length * 784)).toBeCloseTo(0.287, 2);
  });
});
