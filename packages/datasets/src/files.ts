import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredDataset } from './dataset.js';
import { idxFileNames } from './classes.js';
import { DatasetError } from './errors.js';
import type { FileBytes } from './file-bytes.js';
import { gunzipBounded } from './gunzip-sync.js';
import { type DeclaredLength, isGzip } from './gzip.js';
import { IDX_LENGTH } from './idx.js';
import { idxPairDataset, type Split } from './idx-dataset.js';

// Node only: data files read from a directory.

/**
 * Reads the first of `names` (each also tried with `.gz`) that exists in
 * `dir`. Gzip is recognised by its magic bytes rather than the extension (see isGzip),
 * and inflated no further than the length `declared` reads from its header.
 */
export function readDataFile(dir: string, names: readonly string[], declared?: DeclaredLength): FileBytes {
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
  return { bytes: isGzip(bytes) ? gunzipBounded(bytes, path, undefined, declared) : bytes, path };
}

/**
 * Loads an MNIST-layout pair of IDX files (`{train,t10k}-{images-idx3,labels-idx1}-ubyte`,
 * optionally gzipped) from `dir`.
 */
export function loadIdxDir(name: string, dir: string, split: Split, classes: readonly string[]): StoredDataset {
  const names = idxFileNames(split);
  return idxPairDataset(
    name,
    split,
    classes,
    readDataFile(dir, names.images, IDX_LENGTH),
    readDataFile(dir, names.labels, IDX_LENGTH),
  );
}
