import { describe, expect, it } from 'vitest';
import {
  WeightsFileError,
  bfloat16ToNumber,
  decodeSafetensors,
  encodeSafetensors,
  float16ToNumber,
  type RawTensor,
} from '@gradstream/models';
import { i64Bytes, rawFile, u16Bytes } from './safetensors-helpers.js';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof WeightsFileError) return e.code;
    throw e;
  }
  return 'ok';
}

describe('safetensors codec', () => {
  it('round-trips float32, float64 and int32 bit-exactly, including NaN payloads, -0 and subnormals', () => {
    const f32 = new Float32Array(1000);
    new Uint32Array(f32.buffer).forEach((_, i, a) => {
      a[i] = Math.imul(i + 1, 2654435761) >>> 0;
    });
    const specials = new Uint32Array([0x7fc00001, 0xffbfffff, 0x80000000, 0x00000001, 0x7f800000]);
    new Uint32Array(f32.buffer).set(specials);
    const tensors = new Map<string, RawTensor>([
      ['a.weight', { dtype: 'float32', shape: [10, 100], data: f32 }],
      ['b', { dtype: 'float64', shape: [3], data: new Float64Array([Math.PI, -0, 5e-324]) }],
      ['c', { dtype: 'int32', shape: [], data: new Int32Array([-2147483648]) }],
      ['empty', { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) }],
    ]);
    const bytes = encodeSafetensors(tensors, { format: 'pt' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'pt' });
    expect([...back.tensors.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) {
      const r = back.tensors.get(name)!;
      expect(r.dtype).toBe(t.dtype);
      expect(r.shape).toEqual(t.shape);
      expect(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength)).toEqual(
        new Uint8Array(t.data.buffer),
      );
    }
  });

  it('decodes float16 bit patterns', () => {
    expect(float16ToNumber(0x3c00)).toBe(1);
    expect(float16ToNumber(0xc000)).toBe(-2);
    expect(float16ToNumber(0x7bff)).toBe(65504);
    expect(float16ToNumber(0x0001)).toBe(2 ** -24);
    expect(float16ToNumber(0x03ff)).toBe(1023 * 2 ** -24);
    expect(float16ToNumber(0x7c00)).toBe(Infinity);
    expect(float16ToNumber(0xfc00)).toBe(-Infinity);
    expect(float16ToNumber(0x7e00)).toBeNaN();
    expect(Object.is(float16ToNumber(0x8000), -0)).toBe(true);
    expect(float16ToNumber(0x3555)).toBeCloseTo(0.333251953125, 12);
  });

  it('decodes bfloat16 bit patterns', () => {
    expect(bfloat16ToNumber(0x3f80)).toBe(1);
    expect(bfloat16ToNumber(0x4049)).toBe(3.140625);
    expect(bfloat16ToNumber(0xc000)).toBe(-2);
    expect(bfloat16ToNumber(0x7f80)).toBe(Infinity);
    expect(bfloat16ToNumber(0x0001)).toBe(2 ** -133);
  });

  it('reads F16, BF16 and I64 tensors from a file', () => {
    const data = new Uint8Array([
      ...u16Bytes([0x3c00, 0xc000, 0x7bff, 0x0001]),
      ...u16Bytes([0x3f80, 0x4049]),
      ...i64Bytes([-5n, 2147483647n]),
    ]);
    const file = rawFile(
      {
        h: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
        n: { dtype: 'I64', shape: [2], data_offsets: [12, 28] },
      },
      data,
    );
    const { tensors } = decodeSafetensors(file);
    expect(Array.from(tensors.get('h')!.data)).toEqual([1, -2, 65504, Math.fround(2 ** -24)]);
    expect(tensors.get('h')!.dtype).toBe('float32');
    expect(Array.from(tensors.get('b')!.data)).toEqual([1, 3.140625]);
    expect(tensors.get('n')!.dtype).toBe('int32');
    expect(Array.from(tensors.get('n')!.data)).toEqual([-5, 2147483647]);
  });

  it('refuses I64 values outside int32, naming the byte offset of the value', () => {
    const file = rawFile({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, i64Bytes([1n, 2147483648n]));
    const headerLength = file.length - 8 - 16;
    expect(() => decodeSafetensors(file, 'big.safetensors')).toThrow(
      new RegExp(`big\\.safetensors \\(byte ${8 + headerLength + 8}\\).*does not fit int32`),
    );
  });

  it('reports each kind of damage with its own code', () => {
    const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
    const eight = new Uint8Array(8);
    expect(codeOf(() => decodeSafetensors(new Uint8Array(5)))).toBe('truncated');
    expect(codeOf(() => decodeSafetensors(rawFile({ w: ok }, eight, 1n << 40n)))).toBe('truncated');
    expect(codeOf(() => decodeSafetensors(rawFile({ w: ok }, eight, 10_000n)))).toBe('truncated');
    expect(codeOf(() => decodeSafetensors(rawFile({ w: ok }, eight).subarray(0, 20)))).toBe('truncated');
    expect(codeOf(() => decodeSafetensors(rawFile([1, 2])))).toBe('bad-header');
    expect(codeOf(() => decodeSafetensors(rawFile({ __metadata__: { a: 1 } })))).toBe('bad-header');
    expect(codeOf(() => decodeSafetensors(rawFile({ w: { ...ok, dtype: 'F8' } }, eight)))).toBe('bad-dtype');
    expect(codeOf(() => decodeSafetensors(rawFile({ w: { ...ok, dtype: 'toString' } }, eight)))).toBe('bad-dtype');
    expect(codeOf(() => decodeSafetensors(rawFile({ w: { ...ok, shape: [3] } }, eight)))).toBe('bad-shape');
    expect(codeOf(() => decodeSafetensors(rawFile({ w: { ...ok, shape: [-2] } }, eight)))).toBe('bad-shape');
    expect(codeOf(() => decodeSafetensors(rawFile({ w: { ...ok, shape: [2 ** 40, 2 ** 40] } }, eight)))).toBe(
      'bad-shape',
    );
    expect(codeOf(() => decodeSafetensors(rawFile({ w: { ...ok, data_offsets: [0, 16] } }, eight)))).toBe(
      'bad-offsets',
    );
    expect(codeOf(() => decodeSafetensors(rawFile({ w: { ...ok, data_offsets: [8, 0] } }, eight)))).toBe('bad-offsets');
    expect(codeOf(() => decodeSafetensors(rawFile({ w: ok, v: ok }, eight)))).toBe('bad-offsets');
    expect(codeOf(() => decodeSafetensors(rawFile({ w: ok }, new Uint8Array(12))))).toBe('bad-offsets');
    expect(codeOf(() => decodeSafetensors(rawFile({ w: { ...ok, data_offsets: [4, 12] } }, new Uint8Array(12))))).toBe(
      'bad-offsets',
    );
    const badUtf8 = rawFile({ w: ok }, eight);
    badUtf8[9] = 0xff;
    expect(codeOf(() => decodeSafetensors(badUtf8))).toBe('bad-header');
  });

  it('puts the file name and byte offset in the message', () => {
    expect(() => decodeSafetensors(new Uint8Array(3), 'w.safetensors')).toThrow(/^w\.safetensors \(byte 0\): /);
  });

  it('accepts an empty file with only a header, and a header padded with spaces', () => {
    expect(decodeSafetensors(rawFile({})).tensors.size).toBe(0);
    const padded = new TextEncoder().encode('{}      ');
    const file = new Uint8Array([...new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0]), ...padded]);
    expect(decodeSafetensors(file).tensors.size).toBe(0);
  });

  it('reads from a Uint8Array view at an odd byte offset', () => {
    const bytes = encodeSafetensors(
      new Map([['w', { dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 3]) } as RawTensor]]),
    );
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(decodeSafetensors(shifted.subarray(1)).tensors.get('w')!.data)).toEqual([1, 2, 3]);
  });

  it('copies out of a Node Buffer (whose slice would share the whole file)', () => {
    const bytes = encodeSafetensors(
      new Map<string, RawTensor>([
        ['a', { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }],
        ['b', { dtype: 'int32', shape: [3], data: new Int32Array([4, 5, 6]) }],
      ]),
    );
    const { tensors } = decodeSafetensors(Buffer.from(bytes));
    for (const t of tensors.values()) expect(t.data.buffer.byteLength).toBe(t.data.byteLength);
    expect(Array.from(tensors.get('b')!.data)).toEqual([4, 5, 6]);
  });
});
