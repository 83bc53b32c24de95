import { constants, gunzipSync } from 'node:zlib';
import { DatasetError } from './errors.js';
import { type DeclaredLength, MAX_GUNZIP_BYTES, outputLimit, tooLong } from './gzip.js';

// Node only: the synchronous counterpart of gzip.ts's gunzip, for loaders that read files synchronously.

/** Output allowed while inflating a prefix for the header: far more than any header, far less than a bomb. */
const HEAD_OUTPUT_LIMIT = 1 << 20;

/**
 * Decompresses gzip `bytes` as gzip.ts's `gunzip` does, synchronously: with
 * `declared`, the header is inflated and checked first, then the whole
 * stream is inflated with zlib's `maxOutputLength` set from the length that
 * header declares, so a hostile file costs little more memory than that.
 */
export function gunzipBounded(
  bytes: Uint8Array,
  file: string,
  maxBytes = MAX_GUNZIP_BYTES,
  declared?: DeclaredLength,
): Uint8Array {
  const limit = declared
    ? outputLimit(gunzipHead(bytes, declared.headerBytes, file), file, declared, maxBytes)
    : { limit: maxBytes };
  try {
    // One byte over the limit tells a longer stream from one of exactly that length.
    return gunzipSync(bytes, { maxOutputLength: limit.limit + 1 }).subarray(0, limit.limit + 1);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLong(file, limit);
    throw new DatasetError('unreadable', file, 0, `gzip: ${(e as Error).message}`);
  }
}

/**
 * The first `count` decompressed bytes (all of them when the stream is
 * shorter), inflating as little as possible: prefixes of the compressed
 * bytes are inflated as truncated streams, doubling in length until they
 * yield `count` bytes. A prefix that yields more than HEAD_OUTPUT_LIMIT (a
 * bomb starting early) is shortened towards the last one that yielded too
 * little, so no attempt outputs more than that limit.
 */
function gunzipHead(bytes: Uint8Array, count: number, file: string): Uint8Array {
  let short = 0; // a prefix length known to yield fewer than `count` bytes
  let size = Math.min(bytes.length, 64);
  for (;;) {
    let out: Uint8Array;
    const whole = size === bytes.length;
    try {
      // A prefix is inflated as a truncated stream; the whole file strictly, so corruption is reported as such.
      out = gunzipSync(bytes.subarray(0, size), {
        ...(whole ? {} : { finishFlush: constants.Z_SYNC_FLUSH }),
        maxOutputLength: HEAD_OUTPUT_LIMIT,
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE')
        throw new DatasetError('unreadable', file, 0, `gzip: ${(e as Error).message}`);
      size = short + Math.ceil((size - short) / 2);
      continue;
    }
    if (out.length >= count || whole) return out.subarray(0, count);
    short = size;
    size = Math.min(bytes.length, size * 2);
  }
}
