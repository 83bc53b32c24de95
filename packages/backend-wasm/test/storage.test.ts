import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BackendError, DTypeError, type DType, setBackend, tensor } from '@gradstream/core';
import '@gradstream/backend-cpu';
import { CONFIGS, dataOf, put, shapeArb, usePair } from './helpers.js';

describe('storage', () => {
  const pair = usePair(CONFIGS[2]!);

  it('stores float32, int32 and bool but not float64', () => {
    expect(pair.wasm.dtypes).toEqual(['float32', 'int32', 'bool']);
    expect(() => pair.wasm.write(new Float64Array(2), [2], 'float64')).toThrow(BackendError);
    expect(() => pair.wasm.write(new Float64Array(2), [2], 'float64')).toThrow(/float32-only/);
  });

  it('refuses float64 through the public API with a typed error naming wasm and float64', async () => {
    await setBackend('wasm');
    try {
      expect(() => tensor([1], [1], 'float64')).toThrow(DTypeError);
      expect(() => tensor([1], [1], 'float64')).toThrow(/'wasm'.*float64/);
      expect(tensor([1], [1], 'float32').dataSync()).toEqual(new Float32Array([1]));
    } finally {
      await setBackend('cpu');
    }
  });

  it('reads back what it wrote, as an independent copy', () => {
    fc.assert(
      fc.property(shapeArb(), fc.constantFrom<DType>('float32', 'int32', 'bool'), fc.gen(), (shape, dtype, gen) => {
        const d = gen(() => dataOf(dtype, shape));
        const id = pair.wasm.write(d.values, shape, dtype);
        const read = pair.wasm.readSync(id, dtype);
        expect(read).toEqual(d.values);
        read.fill(7);
        expect(pair.wasm.readSync(id, dtype)).toEqual(d.values);
        pair.wasm.disposeData(id);
      }),
      { numRuns: 30 },
    );
  });

  it('counts bytes and buffers and returns to zero after disposal', async () => {
    const start = pair.wasm.memory();
    const a = pair.wasm.write(new Float32Array(10), [10], 'float32');
    const b = pair.wasm.write(new Uint8Array(3), [3], 'bool');
    expect(pair.wasm.memory()).toEqual({ bytes: start.bytes + 43, buffers: start.buffers + 2 });
    pair.wasm.disposeData(a);
    pair.wasm.disposeData(b);
    expect(pair.wasm.memory()).toEqual(start);
    expect(await pair.wasm.read(pair.wasm.write(Int32Array.of(5), [], 'int32'), 'int32')).toEqual(Int32Array.of(5));
  });

  it('reuses freed blocks, so a repeated workload keeps linear memory flat', () => {
    const step = () => {
      const x = put(pair.wasm, { values: new Float32Array(64 * 1024), shape: [64, 1024], dtype: 'float32' });
      const y = pair.wasm.matmul({ ...x, shape: [1, 64, 1024] }, { ...x, shape: [1, 64, 1024] }, false, true);
      const z = pair.wasm.unary('relu', y);
      for (const t of [x, y, z]) pair.wasm.disposeData(t.dataId);
    };
    step();
    const reserved = pair.wasm.linearMemoryBytes;
    const live = pair.wasm.memory();
    for (let i = 0; i < 200; i++) step();
    expect(pair.wasm.linearMemoryBytes).toBe(reserved);
    expect(pair.wasm.memory()).toEqual(live);
  });

  it('grows memory on demand and keeps earlier tensors intact', () => {
    const small = pair.wasm.write(Float32Array.of(1, 2, 3), [3], 'float32');
    const before = pair.wasm.linearMemoryBytes;
    const big = pair.wasm.write(new Float32Array(before / 4 + 1024).fill(2), [before / 4 + 1024], 'float32');
    expect(pair.wasm.linearMemoryBytes).toBeGreaterThan(before);
    expect(pair.wasm.readSync(small, 'float32')).toEqual(Float32Array.of(1, 2, 3));
    expect(pair.wasm.readSync(big, 'float32')[before / 4]).toBe(2);
    pair.wasm.disposeData(small);
    pair.wasm.disposeData(big);
  });

  it('reports an allocation beyond the 4 GiB address space as a BackendError', () => {
    const start = pair.wasm.memory();
    const a = put(pair.wasm, { values: new Float32Array(65536), shape: [1, 65536, 1], dtype: 'float32' });
    const b = put(pair.wasm, { values: new Float32Array(65536), shape: [1, 1, 65536], dtype: 'float32' });
    expect(() => pair.wasm.matmul(a, b, false, false)).toThrow(BackendError);
    pair.wasm.disposeData(a.dataId);
    pair.wasm.disposeData(b.dataId);
    expect(pair.wasm.memory()).toEqual(start);
  });
});
