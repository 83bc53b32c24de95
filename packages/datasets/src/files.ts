import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors.js';

/** Largest decompressed file accepted; a corrupt or hostile .gz must not exhaust memory. */
const MAX_GUNZIP_BYTES = 1 << 30;

/** A file's bytes (decompressed if it was gzipped) and the path they came from. */
export interface FileBytes {
  readonly bytes: Uint8Array;
  readonly path: string;
}

/**
 * Reads the first of `names` (each also tried with `.gz`) that exists in
 * `dir`. Gzip is recognised by its magic bytes rather than the extension, since
 * IDX and CIFAR files can never start with 1f 8b.
 */
export function readDataFile(dir: string, names: readonly string[]): FileBytes {
  const candidates = names.flatMap((n) => [n, `${n}.gz`]);
  const path = candidates.map((n) => join(dir, n)).find((p) => existsSync(p));
  if (path === undefined) {
    throw new DatasetError(
      'missing-file',
      join(dir, names[0]!),
      0,
      `not found; looked for ${candidates.join(', ')} in ${dir}`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DatasetError('unreadable', path, 0, (e as Error).message);
  }
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return { bytes, path };
  try {
    return { bytes: gunzipSync(bytes, { maxOutputLength: MAX_GUNZIP_BYTES }), path };
  } catch (e) {
    throw new DatasetError('unreadable', path, 0, `gzip: ${(e as Error).message}`);
  }
}
