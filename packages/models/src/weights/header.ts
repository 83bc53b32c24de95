import { WeightsFileError } from './errors.js';

/** Bytes per element of each safetensors dtype this package reads. */
export const ELEMENT_BYTES = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 } as const;

/** A safetensors dtype this package reads. */
export type FileDType = keyof typeof ELEMENT_BYTES;

/** One validated header entry; `begin`/`end` are relative to the data section. */
export interface HeaderEntry {
  readonly name: string;
  readonly dtype: FileDType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** A validated header: entries in file order and where the data section starts. */
export interface Header {
  readonly entries: readonly HeaderEntry[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly dataStart: number;
}

const LENGTH_BYTES = 8;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function readHeaderLength(bytes: Uint8Array, file: string): number {
  if (bytes.length < LENGTH_BYTES) {
    throw new WeightsFileError('truncated', file, 0, `${bytes.length} bytes is too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, LENGTH_BYTES);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const available = bytes.length - LENGTH_BYTES;
  // Checked as two halves so a huge u64 never reaches float arithmetic.
  if (high !== 0 || low > available) {
    const claimed = high === 0 ? String(low) : `${(BigInt(high) << 32n) | BigInt(low)}`;
    throw new WeightsFileError(
      'truncated',
      file,
      0,
      `header length ${claimed} exceeds the ${available} bytes after the length field`,
    );
  }
  return low;
}

function parseJson(bytes: Uint8Array, length: number, file: string): Record<string, unknown> {
  let text: string;
  let json: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(LENGTH_BYTES, LENGTH_BYTES + length));
  } catch {
    throw new WeightsFileError('bad-header', file, LENGTH_BYTES, 'header is not valid UTF-8');
  }
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WeightsFileError('bad-header', file, LENGTH_BYTES, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(json)) throw new WeightsFileError('bad-header', file, LENGTH_BYTES, 'header must be a JSON object');
  return json;
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new WeightsFileError('bad-header', file, LENGTH_BYTES, '__metadata__ must map strings to strings');
  }
  return value as Record<string, string>;
}

function parseEntry(name: string, value: unknown, dataLength: number, file: string): HeaderEntry {
  const fail = (code: 'bad-header' | 'bad-dtype' | 'bad-shape' | 'bad-offsets', reason: string): never => {
    throw new WeightsFileError(code, file, LENGTH_BYTES, `tensor '${name}': ${reason}`);
  };
  if (!isRecord(value)) return fail('bad-header', 'entry must be an object with dtype, shape and data_offsets');
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !Object.hasOwn(ELEMENT_BYTES, dtype)) {
    return fail('bad-dtype', `dtype ${JSON.stringify(dtype)} is not one of ${Object.keys(ELEMENT_BYTES).join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex))
    return fail('bad-shape', 'shape must be an array of non-negative integers');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    return fail('bad-offsets', 'data_offsets must be two non-negative integers');
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLength) {
    return fail('bad-offsets', `data_offsets [${begin}, ${end}] do not lie inside the ${dataLength}-byte data section`);
  }
  let byteLength = ELEMENT_BYTES[dtype as FileDType];
  for (const d of shape as number[]) {
    byteLength *= d;
    if (!Number.isSafeInteger(byteLength)) return fail('bad-shape', `shape [${shape.join(',')}] is too large`);
  }
  if (byteLength !== end - begin) {
    return fail(
      'bad-shape',
      `shape [${shape.join(',')}] of ${dtype} needs ${byteLength} bytes but data_offsets span ${end - begin}`,
    );
  }
  return { name, dtype: dtype as FileDType, shape: shape as number[], begin, end };
}

/**
 * Safetensors requires the tensors to tile the data section exactly: no
 * overlap (two names aliasing one buffer) and no gaps (room for a polyglot
 * payload).
 */
function checkTiling(entries: readonly HeaderEntry[], dataLength: number, dataStart: number, file: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous = '';
  for (const e of sorted) {
    if (e.begin < cursor) {
      throw new WeightsFileError('bad-offsets', file, dataStart + e.begin, `tensor '${e.name}' overlaps '${previous}'`);
    }
    if (e.begin > cursor) {
      throw new WeightsFileError(
        'bad-offsets',
        file,
        dataStart + cursor,
        `${e.begin - cursor} bytes before tensor '${e.name}' belong to no tensor`,
      );
    }
    cursor = e.end;
    previous = e.name;
  }
  if (cursor !== dataLength) {
    throw new WeightsFileError(
      'bad-offsets',
      file,
      dataStart + cursor,
      `${dataLength - cursor} trailing bytes belong to no tensor`,
    );
  }
}

/**
 * Reads and validates a safetensors header without touching tensor data:
 * length field against the file size, JSON, dtypes, shapes against offsets,
 * offsets inside the data section and tiling it exactly.
 */
export function parseHeader(bytes: Uint8Array, file: string): Header {
  const length = readHeaderLength(bytes, file);
  const json = parseJson(bytes, length, file);
  const dataStart = LENGTH_BYTES + length;
  const dataLength = bytes.length - dataStart;
  const metadata = parseMetadata(json.__metadata__, file);
  const entries = Object.entries(json)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, value]) => parseEntry(name, value, dataLength, file));
  checkTiling(entries, dataLength, dataStart, file);
  return { entries, metadata, dataStart };
}
