import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredDataset } from './dataset.js';
import { idxFileNames } from './classes.js';
import { DatasetError } from './errors.js';
import type { FileBytes } from './file-bytes.js';
import { gunzipBounded } from './gunzip-sync.js';
import { type DeclaredLength, isGzip } from './gzip.js';
import { IDX_LENGTH, MAX_HEADER_BYTES, checkIdxLength, parseIdx, readIdxHeader } from './idx.js';
import { type IdxImages, type Split, checkImageDims, idxImagesDataset } from './idx-dataset.js';
import { RunLengthImages } from './run-length.js';

// Node only: data files read from a directory.

/**
 * Reads the first of `names` (each also tried with `.gz`) that exists in
 * `dir`. Gzip is recognised by its magic bytes rather than the extension (see isGzip),
 * and inflated no further than the length `declared` reads from its header.
 */
export function readDataFile(dir: string, names: readonly string[], declared?: DeclaredLength): FileBytes {
  const path = findDataFile(dir, names);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DatasetError('unreadable', path, 0, (e as Error).message);
  }
  return { bytes: isGzip(bytes) ? gunzipBounded(bytes, path, undefined, declared) : bytes, path };
}

/** The first of `names` (each also tried with `.gz`) that exists in `dir`. */
function findDataFile(dir: string, names: readonly string[]): string {
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
  return path;
}

/** Images read per chunk when an IDX images file is read in pieces. */
const CHUNK_IMAGES = 1024;

/**
 * Reads an uncompressed IDX images file a chunk at a time into runs, so the
 * file is never held whole (MNIST's training images: 47 MB on disk, about 15 MB
 * in runs); a gzipped file is inflated whole and kept as bytes. Same checks
 * and errors as {@link parseIdx}.
 */
function readIdxImages(dir: string, names: readonly string[]): IdxImages {
  const path = findDataFile(dir, names);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new DatasetError('unreadable', path, 0, (e as Error).message);
  }
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, MAX_HEADER_BYTES));
    readFully(fd, head, 0, path);
    if (isGzip(head)) {
      const file = readDataFile(dir, names, IDX_LENGTH);
      const parsed = parseIdx(file.bytes, file.path);
      return { dims: parsed.dims, path, pixels: parsed.data };
    }
    const header = readIdxHeader(head, path);
    checkIdxLength(header, size, path);
    checkImageDims(header.dims, path);
    const [count, height, width] = header.dims as [number, number, number];
    const per = height * width;
    const encoder = RunLengthImages.encoder(count, per);
    const chunk = new Uint8Array(CHUNK_IMAGES * per);
    for (let i = 0; i < count; i += CHUNK_IMAGES) {
      const piece = chunk.subarray(0, Math.min(CHUNK_IMAGES, count - i) * per);
      readFully(fd, piece, header.headerEnd + i * per, path);
      encoder.add(piece);
    }
    return { dims: header.dims, path, pixels: encoder.finish() };
  } finally {
    closeSync(fd);
  }
}

/** Fills `out` from `position` of `fd`; the file's length was checked, so a short read is a changed file. */
function readFully(fd: number, out: Uint8Array, position: number, path: string): void {
  let done = 0;
  try {
    while (done < out.length) {
      const n = readSync(fd, out, done, out.length - done, position + done);
      if (n === 0) break;
      done += n;
    }
  } catch (e) {
    throw new DatasetError('unreadable', path, position + done, (e as Error).message);
  }
  if (done < out.length)
    throw new DatasetError('truncated', path, position + done, `file ended at byte ${position + done} while reading`);
}

/**
 * Loads an MNIST-layout pair of IDX files (`{train,t10k}-{images-idx3,labels-idx1}-ubyte`,
 * optionally gzipped) from `dir`.
 */
export function loadIdxDir(name: string, dir: string, split: Split, classes: readonly string[]): StoredDataset {
  const names = idxFileNames(split);
  return idxImagesDataset(
    name,
    split,
    classes,
    readIdxImages(dir, names.images),
    readDataFile(dir, names.labels, IDX_LENGTH),
  );
}
