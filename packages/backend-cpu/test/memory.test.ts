import { describe, expect, it } from 'vitest';
import { findBackend, initBackend, listBackends } from '@gradstream/core';
import { CpuBackend } from '../src/index.js';

describe('storage and memory accounting', () => {
  it('counts bytes and buffers of every write and kernel output until disposed', () => {
    const b = new CpuBackend();
    expect(b.memory()).toEqual({ bytes: 0, buffers: 0 });
    const x = b.write(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], 'float32');
    const i = b.write(new Int32Array([1, 0]), [2], 'int32');
    const m = b.write(new Uint8Array([1, 0, 1]), [3], 'bool');
    const d = b.write(new Float64Array([1]), [], 'float64');
    expect(b.memory()).toEqual({ bytes: 24 + 8 + 3 + 8, buffers: 4 });

    const info = { dataId: x, shape: [2, 3], dtype: 'float32' as const };
    const { y, indices } = b.maxPool(
      { ...info, shape: [1, 2, 3] },
      { kernel: [2], stride: [1], dilation: [1], padding: [[0, 0]], outShape: [2] },
    );
    const s = b.reduce('sum', info, [1]);
    expect(b.memory()).toEqual({ bytes: 43 + 16 + 16 + 8, buffers: 7 });

    for (const id of [y.dataId, indices.dataId, s.dataId, x, i, m, d]) b.disposeData(id);
    expect(b.memory()).toEqual({ bytes: 0, buffers: 0 });
  });

  it('ignores a second dispose of the same storage', () => {
    const b = new CpuBackend();
    const x = b.write(new Float64Array(4), [4], 'float64');
    b.disposeData(x);
    b.disposeData(x);
    expect(b.memory()).toEqual({ bytes: 0, buffers: 0 });
  });

  it('copies on write and on read, and returns fresh storage from every kernel', async () => {
    const b = new CpuBackend();
    const source = new Float32Array([1, 2]);
    const x = b.write(source, [2], 'float32');
    source[0] = 9;
    const read = b.readSync(x, 'float32');
    expect(Array.from(read)).toEqual([1, 2]);
    read[1] = 9;
    expect(Array.from(await b.read(x, 'float32'))).toEqual([1, 2]);
    const info = { dataId: x, shape: [2], dtype: 'float32' as const };
    const copy = b.slice(info, [0], [2]);
    expect(copy.dataId).not.toBe(x);
    expect(Array.from(b.readSync(copy.dataId, 'float32'))).toEqual([1, 2]);
  });

  it('writes values in the array type of the dtype', () => {
    const b = new CpuBackend();
    const x = b.write(new Float64Array([1.5, -2.5]), [2], 'float32');
    expect(b.readSync(x, 'float32')).toBeInstanceOf(Float32Array);
    expect(b.memory().bytes).toBe(8);
  });
});

describe('registration', () => {
  it("registers 'cpu' on import and starts it on demand", async () => {
    expect(listBackends()).toContain('cpu');
    const started = await initBackend('cpu');
    expect(started).toBeInstanceOf(CpuBackend);
    expect(findBackend('cpu')).toBe(started);
    expect(started.name).toBe('cpu');
    expect(started.dtypes).toEqual(['float32', 'float64', 'int32', 'bool']);
  });
});
