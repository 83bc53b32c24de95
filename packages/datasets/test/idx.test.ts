import { describe, expect, it } from 'vitest';
import { DatasetError, parseIdx } from '@gradstream/datasets';
import { idxBytes } from './helpers.js';

function errorOf(f: () => unknown): DatasetError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetError);
    return e as DatasetError;
  }
  throw new Error('expected a DatasetError');
}

describe('parseIdx', () => {
  it('reads big-endian dimensions and returns the payload as a view', () => {
    const bytes = idxBytes([2, 1, 3], [1, 2, 3, 4, 5, 6]);
    const { dims, data } = parseIdx(bytes, 'x');
    expect(dims).toEqual([2, 1, 3]);
    expect([...data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(data.buffer).toBe(bytes.buffer);
  });

  it('reads counts above 2^24 correctly (big-endian, unsigned)', () => {
    const bytes = idxBytes([0x01020304], []);
    expect(errorOf(() => parseIdx(bytes, 'big')).message).toContain('16909060');
  });

  it('names the file and byte offset of a wrong magic number', () => {
    const bytes = idxBytes([2], [0, 1]);
    bytes[1] = 7;
    const e = errorOf(() => parseIdx(bytes, 'labels.idx'));
    expect(e).toMatchObject({ code: 'bad-magic', file: 'labels.idx', offset: 0 });
    expect(e.message).toMatch(/labels\.idx.*byte 0/);
  });

  it('rejects element types other than ubyte', () => {
    const bytes = idxBytes([1], [0]);
    bytes[2] = 0x0d;
    expect(errorOf(() => parseIdx(bytes, 'f'))).toMatchObject({ code: 'bad-magic', offset: 2 });
    expect(errorOf(() => parseIdx(bytes, 'f')).message).toContain('float32');
  });

  it('rejects zero dimensions', () => {
    expect(errorOf(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'f'))).toMatchObject({ code: 'bad-dims', offset: 3 });
  });

  it('rejects a truncated header and truncated data at the end of the file', () => {
    expect(errorOf(() => parseIdx(new Uint8Array([0, 0, 8]), 'f'))).toMatchObject({ code: 'truncated', offset: 3 });
    expect(errorOf(() => parseIdx(idxBytes([3, 3], []).subarray(0, 9), 'f'))).toMatchObject({
      code: 'truncated',
      offset: 9,
    });
    const short = idxBytes([3, 3], new Uint8Array(9)).subarray(0, 20);
    expect(errorOf(() => parseIdx(short, 'f'))).toMatchObject({ code: 'truncated', offset: 20 });
  });

  it('rejects trailing bytes instead of silently ignoring them', () => {
    const bytes = idxBytes([2], [1, 2, 3]);
    expect(errorOf(() => parseIdx(bytes, 'f'))).toMatchObject({ code: 'trailing-bytes', offset: 10 });
  });
});
