import { checkOptions } from '@gradstream/core';
import { cifarDataset } from './cifar-dataset.js';
import { CIFAR10_FILES, FASHION_MNIST_CLASSES, MNIST_CLASSES, idxFileNames } from './classes.js';
import type { Dataset } from './dataset.js';
import { directoryUrl, fetchDataFile } from './fetch-file.js';
import { IDX_LENGTH } from './idx.js';
import { idxPairDataset, type Split } from './idx-dataset.js';

/** How `*FromUrl` fetch a dataset's files. */
export interface UrlOptions {
  /**
   * Whether the file names end in `.gz`. Default true for MNIST and
   * Fashion-MNIST (their standard distribution), false for CIFAR-10's
   * `.bin` batches. Decompression itself follows the bytes, not the name.
   */
  readonly gzipped?: boolean;
  /** Aborts the downloads; the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

const URL_OPTIONS = ['gzipped', 'signal'] as const;

async function idxFromUrl(
  name: string,
  split: Split,
  classes: readonly string[],
  baseUrl: string | URL,
  options: UrlOptions,
): Promise<Dataset> {
  const dir = directoryUrl(baseUrl);
  const suffix = (options.gzipped ?? true) ? '.gz' : '';
  const names = idxFileNames(split);
  const [images, labels] = await Promise.all([
    fetchDataFile(new URL(names.images[0] + suffix, dir), options.signal, IDX_LENGTH),
    fetchDataFile(new URL(names.labels[0] + suffix, dir), options.signal, IDX_LENGTH),
  ]);
  return idxPairDataset(name, split, classes, images, labels);
}

/**
 * MNIST's `split` fetched from `baseUrl`, a directory holding the standard
 * files (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
 * `t10k-…`); a relative URL resolves against the page. Gzip is undone with
 * `DecompressionStream`. Failures are the {@link DatasetError}s of Node's
 * `mnist`, naming the URL: `missing-file` for a 404, `unreadable` for other
 * HTTP or network errors and corrupt gzip, `truncated`, `bad-magic` … for
 * malformed files.
 *
 * @example
 * ```ts
 * const train = await mnistFromUrl('train', '/data/mnist/');
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true });
 * ```
 */
export function mnistFromUrl(split: Split, baseUrl: string | URL, options: UrlOptions = {}): Promise<Dataset> {
  checkOptions('mnistFromUrl', options, URL_OPTIONS);
  return idxFromUrl('mnist', split, MNIST_CLASSES, baseUrl, options);
}

/**
 * Fashion-MNIST's `split` fetched from `baseUrl`, a directory holding its
 * standard IDX files (the same names as MNIST's). Errors as {@link mnistFromUrl}.
 *
 * @example
 * ```ts
 * const test = await fashionMnistFromUrl('test', 'https://example.org/fashion-mnist/');
 * ```
 */
export function fashionMnistFromUrl(split: Split, baseUrl: string | URL, options: UrlOptions = {}): Promise<Dataset> {
  checkOptions('fashionMnistFromUrl', options, URL_OPTIONS);
  return idxFromUrl('fashion-mnist', split, FASHION_MNIST_CLASSES, baseUrl, options);
}

/**
 * CIFAR-10's `split` fetched from `baseUrl`, a directory holding the binary
 * batches (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`; with
 * `gzipped: true`, each with `.gz`). All batches are checked before the
 * dataset is built. Errors as {@link mnistFromUrl}.
 *
 * @example
 * ```ts
 * const test = await cifar10FromUrl('test', '/data/cifar-10-batches-bin/');
 * test.imageShape; // [3, 32, 32]
 * ```
 */
export async function cifar10FromUrl(split: Split, baseUrl: string | URL, options: UrlOptions = {}): Promise<Dataset> {
  checkOptions('cifar10FromUrl', options, URL_OPTIONS);
  const dir = directoryUrl(baseUrl);
  const suffix = options.gzipped === true ? '.gz' : '';
  const files = await Promise.all(
    CIFAR10_FILES[split].map((name) => fetchDataFile(new URL(name + suffix, dir), options.signal)),
  );
  return cifarDataset(split, files);
}
