import { DatasetError } from './errors.js';
import type { DeclaredLength } from './gzip.js';

/** A parsed IDX file: its dimensions and its unsigned-byte payload (a view into the input, not a copy). */
export interface IdxData {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** IDX type code for unsigned bytes, the only element type MNIST-style files use. */
const UBYTE = 0x08;
const KNOWN_TYPES: Record<number, string> = {
  8: 'ubyte',
  9: 'sbyte',
  11: 'int16',
  12: 'int32',
  13: 'float32',
  14: 'float64',
};
/** More dimensions than any image file has; bounds the header we trust. */
const MAX_DIMS = 8;

/** Bytes of the longest header accepted: the magic and {@link MAX_DIMS} dimensions. */
export const MAX_HEADER_BYTES = 4 + 4 * MAX_DIMS;

/** A validated IDX header: the dimensions, where the data starts and where the file must end. */
export interface IdxHeader {
  readonly dims: readonly number[];
  readonly headerEnd: number;
  readonly end: number;
}

/** Checks magic, element type and dimension count and reads the dimensions; needs only the header's bytes. */
export function readIdxHeader(bytes: Uint8Array, fileName: string): IdxHeader {
  if (bytes.length < 4)
    throw new DatasetError('truncated', fileName, bytes.length, `IDX header needs 4 bytes, file has ${bytes.length}`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(
      'bad-magic',
      fileName,
      0,
      `not an IDX file: magic starts with ${hex(bytes[0]!)} ${hex(bytes[1]!)}, expected 00 00`,
    );
  }
  const type = bytes[2]!;
  if (type !== UBYTE) {
    const what = KNOWN_TYPES[type] ? `element type ${KNOWN_TYPES[type]}` : `unknown element type ${hex(type)}`;
    throw new DatasetError('bad-magic', fileName, 2, `${what}; only ubyte (0x08) images and labels are supported`);
  }
  const nd = bytes[3]!;
  if (nd < 1 || nd > MAX_DIMS)
    throw new DatasetError('bad-dims', fileName, 3, `${nd} dimensions; expected 1 to ${MAX_DIMS}`);
  const headerEnd = 4 + 4 * nd;
  if (bytes.length < headerEnd) {
    throw new DatasetError(
      'truncated',
      fileName,
      bytes.length,
      `header declares ${nd} dimensions (${headerEnd} bytes), file has ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < nd; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  return { dims, headerEnd, end: headerEnd + size };
}

/**
 * Parses an IDX file (the MNIST format): magic `00 00 08 nd`, then `nd`
 * big-endian uint32 dimensions, then the bytes. Only unsigned-byte payloads are
 * accepted. Throws {@link DatasetError} on any malformed input, trailing bytes
 * included, so a truncated download never passes for a smaller dataset.
 *
 * @example
 * ```ts
 * const { dims, data } = parseIdx(readFileSync('train-images-idx3-ubyte'), 'train-images-idx3-ubyte');
 * // dims = [60000, 28, 28], data.length = 47_040_000
 * ```
 */
export function parseIdx(bytes: Uint8Array, fileName: string): IdxData {
  const { dims, headerEnd, end } = readIdxHeader(bytes, fileName);
  checkIdxLength({ dims, headerEnd, end }, bytes.length, fileName);
  return { dims, data: bytes.subarray(headerEnd, end) };
}

/** Throws unless a file of `length` bytes holds exactly the data `header` declares. */
export function checkIdxLength({ dims, end }: IdxHeader, length: number, fileName: string): void {
  if (length < end) {
    throw new DatasetError(
      'truncated',
      fileName,
      length,
      `dimensions [${dims.join(', ')}] need ${end} bytes, file has ${length}`,
    );
  }
  if (length > end) {
    throw new DatasetError(
      'trailing-bytes',
      fileName,
      end,
      `${length - end} bytes after the data of dimensions [${dims.join(', ')}]`,
    );
  }
}

/**
 * The length an IDX file declares in its header, read from its first bytes:
 * a gzipped IDX file is checked and then inflated to no more than that.
 */
export const IDX_LENGTH: DeclaredLength = {
  headerBytes: MAX_HEADER_BYTES,
  length: (head, fileName) => readIdxHeader(head, fileName).end,
};

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}
