import { afterEach, describe, expect, it } from 'vitest';
import { cifar10, DatasetError, parseCifarBatch } from '@gradstream/datasets';
import { cifarBytes, tempDir } from './helpers.js';

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

function withDir(files: Record<string, Uint8Array>, gzip = false): string {
  const t = tempDir(files, gzip);
  cleanup = t.cleanup;
  return t.dir;
}

describe('parseCifarBatch', () => {
  it('splits 3,073-byte records into labels and contiguous R,G,B planes', () => {
    const { count, images, labels } = parseCifarBatch(cifarBytes([3, 9]), 'b');
    expect(count).toBe(2);
    expect([...labels]).toEqual([3, 9]);
    expect(images.length).toBe(2 * 3072);
    expect(images[3072 + 5]).toBe((7 + 5) & 255);
  });

  it('rejects empty and partial files, naming the offset of the partial record', () => {
    expect(() => parseCifarBatch(new Uint8Array(0), 'b')).toThrow(DatasetError);
    expect(() => parseCifarBatch(cifarBytes([1, 2]).subarray(0, 5000), 'b')).toThrow(
      expect.objectContaining({ code: 'truncated', offset: 3073 }),
    );
  });

  it('rejects labels above 9 at the offset of their record', () => {
    expect(() => parseCifarBatch(cifarBytes([1, 10]), 'b')).toThrow(
      expect.objectContaining({ code: 'label-range', offset: 3073, file: 'b' }),
    );
  });
});

describe('cifar10', () => {
  it('loads the five training batches in order and the test batch', () => {
    const files: Record<string, Uint8Array> = { 'test_batch.bin': cifarBytes([4]) };
    for (let b = 1; b <= 5; b++) files[`data_batch_${b}.bin`] = cifarBytes([b, b + 1], (r) => b * 10 + r);
    const dir = withDir(files);
    const train = cifar10('train', { dir });
    expect(train.length).toBe(10);
    expect(train.imageShape).toEqual([3, 32, 32]);
    expect(train.classes[0]).toBe('airplane');
    const s = train.get(3); // batch 2, record 1
    expect(s.label).toBe(3);
    expect(s.image[0]).toBeCloseTo(21 / 255, 6);
    expect(s.image[3071]).toBeCloseTo(21 / 255, 6);
    const test = cifar10('test', { dir });
    expect([test.length, test.get(0).label]).toEqual([1, 4]);
  });

  it('keeps the R, G, B planes in C×H×W order', () => {
    const dir = withDir({ 'test_batch.bin': cifarBytes([0], (_, i) => Math.floor(i / 1024) * 100) });
    const { image } = cifar10('test', { dir }).get(0);
    expect([image[0], image[1024], image[2048], image[3071]].map((v) => Math.round(v! * 255))).toEqual([
      0, 100, 200, 200,
    ]);
  });

  it('reads gzipped batches', () => {
    const dir = withDir({ 'test_batch.bin': cifarBytes([7, 8]) }, true);
    expect(cifar10('test', { dir }).length).toBe(2);
  });

  it('fails with missing-file naming the expected file, before loading anything', () => {
    const dir = withDir({ 'data_batch_1.bin': cifarBytes([1]) });
    expect(() => cifar10('train', { dir })).toThrow(
      expect.objectContaining({ code: 'missing-file', file: expect.stringContaining('data_batch_2.bin') }),
    );
  });
});
