import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { memory, noGrad, randn, tidy } from '@gradstream/core';
import { StateDictError } from '@gradstream/core/nn';
import {
  WeightsFileError,
  decodeSafetensors,
  encodeSafetensors,
  googlenet,
  lenet5,
  loadWeights,
  saveWeights,
  type RawTensor,
} from '@gradstream/models';
import { i64Bytes, rawFile, u16Bytes } from './safetensors-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stateValues(model: { stateDict(): Map<string, { dataSync(): ArrayLike<number> }> }): Map<string, number[]> {
  return new Map([...model.stateDict()].map(([k, t]) => [k, Array.from(t.dataSync())]));
}

describe('saveWeights / loadWeights', () => {
  it('round-trips a model through a file bit-exactly, in state-dict order, with metadata', () => {
    using a = lenet5({ seed: 1 });
    using b = lenet5({ seed: 2 });
    const path = join(dir, 'lenet.safetensors');
    saveWeights(a, path, { epoch: '3' });
    const { tensors, metadata } = decodeSafetensors(readFileSync(path));
    expect(metadata).toEqual({ epoch: '3' });
    expect([...tensors.keys()]).toEqual([...a.stateDict().keys()]);
    expect([...tensors.values()].every((t) => t.dtype === 'float32')).toBe(true);
    const before = memory().numTensors;
    expect(loadWeights(b, path)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(memory().numTensors).toBe(before);
    expect(stateValues(b)).toEqual(stateValues(a));
    expect(readdirSync(dir)).toEqual(['lenet.safetensors']);
  });

  it('writes int32 buffers as I32 and reads PyTorch-style F16 weights and I64 counters', () => {
    using a = googlenet({ numClasses: 10, seed: 1 });
    const path = join(dir, 'googlenet.safetensors');
    saveWeights(a, path);
    expect(decodeSafetensors(readFileSync(path)).tensors.get('conv1.bn.num_batches_tracked')).toMatchObject({
      dtype: 'int32',
      shape: [],
    });
    rmSync(path);
    // A torch export: BatchNorm counters are int64, and a half-precision checkpoint stores F16.
    const header: Record<string, unknown> = {};
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const [name, t] of a.stateDict()) {
      const bytes = t.dtype === 'int32' ? i64Bytes([5n]) : u16Bytes(new Array<number>(t.size).fill(0x3c00));
      header[name] = {
        dtype: t.dtype === 'int32' ? 'I64' : 'F16',
        shape: t.shape,
        data_offsets: [offset, offset + bytes.length],
      };
      chunks.push(bytes);
      offset += bytes.length;
    }
    const data = new Uint8Array(offset);
    let at = 0;
    for (const c of chunks) {
      data.set(c, at);
      at += c.length;
    }
    using b = googlenet({ numClasses: 10 });
    loadWeights(b, rawFile(header, data));
    expect(b.stateDict().get('inception4c.branch3.1.bn.num_batches_tracked')!.item()).toBe(5);
    expect(Array.from(b.stateDict().get('fc.weight')!.dataSync()).every((v) => v === 1)).toBe(true);
  });

  it('the same weights give the same outputs', () => {
    using a = googlenet({ numClasses: 10, seed: 3 }).eval();
    using b = googlenet({ numClasses: 10, seed: 4 }).eval();
    const path = join(dir, 'same.safetensors');
    saveWeights(a, path);
    loadWeights(b, path);
    rmSync(path);
    const [ya, yb] = noGrad(() =>
      tidy(() => {
        const x = randn([1, 3, 32, 32]);
        return [Array.from(a.call(x).dataSync()), Array.from(b.call(x).dataSync())];
      }),
    );
    expect(yb).toEqual(ya);
  });

  it('a mismatch lists every missing, unexpected and wrongly shaped tensor, and changes nothing', () => {
    using model = lenet5({ seed: 1 });
    const before = stateValues(model);
    const tensors = new Map<string, RawTensor>();
    for (const [k, t] of model.stateDict())
      tensors.set(k, { dtype: 'float32', shape: t.shape, data: new Float32Array(t.size) });
    tensors.delete('features.0.bias');
    tensors.delete('classifier.4.weight');
    tensors.set('extra.weight', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    tensors.set('classifier.0.weight', { dtype: 'float32', shape: [120, 401], data: new Float32Array(120 * 401) });
    let error: unknown;
    try {
      loadWeights(model, encodeSafetensors(tensors));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const e = error as StateDictError;
    expect(e.missingKeys).toEqual(['features.0.bias', 'classifier.4.weight']);
    expect(e.unexpectedKeys).toEqual(['extra.weight']);
    expect(e.shapeMismatches).toEqual([{ key: 'classifier.0.weight', expected: [120, 400], got: [120, 401] }]);
    expect(e.message).toMatch(/features\.0\.bias.*classifier\.4\.weight.*extra\.weight.*classifier\.0\.weight/);
    expect(stateValues(model)).toEqual(before);
  });

  it('strict: false reports missing and unexpected tensors instead of throwing', () => {
    using model = lenet5();
    const tensors = new Map<string, RawTensor>([
      ['features.0.weight', { dtype: 'float32', shape: [6, 1, 5, 5], data: new Float32Array(150).fill(2) }],
      ['other', { dtype: 'int32', shape: [], data: new Int32Array(1) }],
    ]);
    const result = loadWeights(model, encodeSafetensors(tensors), { strict: false });
    expect(result.unexpectedKeys).toEqual(['other']);
    expect(result.missingKeys).toHaveLength(9);
    expect(model.stateDict().get('features.0.weight')!.dataSync()[0]).toBe(2);
  });

  it('names the file in read errors', () => {
    using model = lenet5();
    expect(() => loadWeights(model, join(dir, 'absent.safetensors'))).toThrow(WeightsFileError);
    const corrupt = join(dir, 'corrupt.safetensors');
    writeFileSync(corrupt, new Uint8Array([1, 2, 3]));
    expect(() => loadWeights(model, corrupt)).toThrow(/corrupt\.safetensors \(byte 0\)/);
    rmSync(corrupt);
  });

  it('never leaves a half-written or temporary file when writing fails', () => {
    using model = lenet5();
    const sub = mkdtempSync(join(dir, 'atomic-'));
    expect(() => saveWeights(model, join(sub, 'no-such-dir', 'w.safetensors'))).toThrow(WeightsFileError);
    // Renaming onto a directory fails after the temporary file was written.
    mkdirSync(join(sub, 'occupied'));
    expect(() => saveWeights(model, join(sub, 'occupied'))).toThrow(/occupied \(byte 0\): cannot write/);
    expect(readdirSync(sub)).toEqual(['occupied']);
    expect(readdirSync(join(sub, 'occupied'))).toEqual([]);
  });
});
