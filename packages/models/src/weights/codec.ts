import { sizeOf } from '@gradstream/core';
import { WeightsFileError } from './errors.js';
import { bfloat16ToNumber, float16ToNumber } from './half.js';
import type { FileDType, Header, HeaderEntry } from './header.js';
import { ELEMENT_BYTES, parseHeader } from './header.js';

/** A tensor's values outside any backend: what the safetensors codec reads and writes. */
export interface RawTensor {
  readonly dtype: 'float32' | 'float64' | 'int32';
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array;
}

/** The tensors of a safetensors file in file order, and its `__metadata__`. */
export interface SafetensorsContents {
  readonly tensors: Map<string, RawTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Swaps each element's bytes between little-endian file order and host order
 * (a no-op on little-endian hosts). Data moves as bytes, never as numbers, so
 * NaN payloads survive and round trips are bit-exact.
 */
function swapIfBigEndianHost(bytes: Uint8Array, elementBytes: number): Uint8Array {
  if (!LITTLE_ENDIAN_HOST)
    for (let i = 0; i < bytes.length; i += elementBytes) bytes.subarray(i, i + elementBytes).reverse();
  return bytes;
}

function decodeEntry(bytes: Uint8Array, entry: HeaderEntry, dataStart: number, file: string): RawTensor {
  // Copies go through `new Uint8Array(src)`: on a Node Buffer, `slice` shares memory instead of copying.
  const src = bytes.subarray(dataStart + entry.begin, dataStart + entry.end);
  const n = src.length / ELEMENT_BYTES[entry.dtype];
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const shape = entry.shape;
  switch (entry.dtype) {
    case 'F32':
      return { dtype: 'float32', shape, data: new Float32Array(swapIfBigEndianHost(new Uint8Array(src), 4).buffer) };
    case 'F64':
      return { dtype: 'float64', shape, data: new Float64Array(swapIfBigEndianHost(new Uint8Array(src), 8).buffer) };
    case 'I32':
      return { dtype: 'int32', shape, data: new Int32Array(swapIfBigEndianHost(new Uint8Array(src), 4).buffer) };
    case 'F16':
    case 'BF16': {
      const decode = entry.dtype === 'F16' ? float16ToNumber : bfloat16ToNumber;
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = decode(view.getUint16(2 * i, true));
      return { dtype: 'float32', shape, data };
    }
    case 'I64': {
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const low = view.getInt32(8 * i, true);
        const high = view.getInt32(8 * i + 4, true);
        // An int64 fits int32 exactly when its high word is the low word's sign extension.
        if (high !== low >> 31) {
          const value = view.getBigInt64(8 * i, true);
          throw new WeightsFileError(
            'out-of-range',
            file,
            dataStart + entry.begin + 8 * i,
            `tensor '${entry.name}': I64 value ${value} does not fit int32`,
          );
        }
        data[i] = low;
      }
      return { dtype: 'int32', shape, data };
    }
  }
}

/**
 * Parses a safetensors byte array. The header is validated in full before
 * any tensor is decoded; F16 and BF16 widen to float32, I64 narrows to int32
 * (values outside int32 are an error). Every failure is a WeightsFileError.
 *
 * @example
 * ```ts
 * const { tensors } = decodeSafetensors(readFileSync('lenet.safetensors'), 'lenet.safetensors');
 * tensors.get('conv1.weight')?.shape; // [6, 1, 5, 5]
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, file = '<bytes>'): SafetensorsContents {
  const { tensors, metadata } = decodeWithHeader(bytes, file);
  return { tensors, metadata };
}

/** What `decodeSafetensors` returns and the header it read, for loaders that report byte offsets of values. */
export function decodeWithHeader(bytes: Uint8Array, file: string): SafetensorsContents & { readonly header: Header } {
  const header = parseHeader(bytes, file);
  const tensors = new Map<string, RawTensor>();
  for (const entry of header.entries) tensors.set(entry.name, decodeEntry(bytes, entry, header.dataStart, file));
  return { tensors, metadata: header.metadata, header };
}

const FILE_DTYPE: Record<RawTensor['dtype'], FileDType> = { float32: 'F32', float64: 'F64', int32: 'I32' };

/**
 * Encodes tensors as safetensors, in the map's order. The header is padded
 * with spaces to a multiple of 8 bytes so every tensor's data stays aligned
 * for zero-copy readers.
 *
 * @example
 * ```ts
 * const bytes = encodeSafetensors(new Map([['w', { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }]]));
 * decodeSafetensors(bytes).tensors.get('w')?.data; // Float32Array [1, 2]
 * ```
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, RawTensor>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__')
      throw new WeightsFileError('unsupported', '<encode>', 0, `'__metadata__' is reserved and cannot name a tensor`);
    const expected = sizeOf(t.shape);
    if (expected !== t.data.length) {
      throw new WeightsFileError(
        'bad-shape',
        '<encode>',
        0,
        `tensor '${name}': shape [${t.shape.join(',')}] holds ${expected} values, data has ${t.data.length}`,
      );
    }
    header[name] = { dtype: FILE_DTYPE[t.dtype], shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let cursor = 8 + headerLength;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), cursor);
    swapIfBigEndianHost(out.subarray(cursor, cursor + t.data.byteLength), t.data.BYTES_PER_ELEMENT);
    cursor += t.data.byteLength;
  }
  return out;
}
