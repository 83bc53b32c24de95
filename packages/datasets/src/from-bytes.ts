import { cifarDataset } from './cifar-dataset.js';
import { CIFAR10_FILES, FASHION_MNIST_CLASSES, MNIST_CLASSES, idxFileNames } from './classes.js';
import type { Dataset } from './dataset.js';
import { DatasetError } from './errors.js';
import { decompressed } from './fetch-file.js';
import { IDX_LENGTH } from './idx.js';
import { idxPairDataset, type Split } from './idx-dataset.js';

/** The two IDX files of one split, each as its bytes, gzipped or not. */
export interface IdxBytes {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

async function idxFromBytes(name: string, split: Split, classes: readonly string[], files: IdxBytes): Promise<Dataset> {
  // Errors name the standard file each argument stands for.
  const names = idxFileNames(split);
  const [images, labels] = await Promise.all([
    decompressed(files.images, `<${names.images[0]}>`, IDX_LENGTH),
    decompressed(files.labels, `<${names.labels[0]}>`, IDX_LENGTH),
  ]);
  return idxPairDataset(name, split, classes, images, labels);
}

/**
 * MNIST's `split` from the bytes of its two IDX files (`train-images-idx3-ubyte`
 * and `train-labels-idx1-ubyte`, or the `t10k-` pair), gzipped or not: what a
 * page has after a download, a `File` or a cache. Gzip goes through
 * `DecompressionStream`, hence the promise. Malformed files throw the
 * {@link DatasetError}s of Node's `mnist`, naming `<file name>`.
 *
 * @example
 * ```ts
 * const test = await mnistFromBytes('test', { images: imagesBytes, labels: labelsBytes });
 * ```
 */
export function mnistFromBytes(split: Split, files: IdxBytes): Promise<Dataset> {
  return idxFromBytes('mnist', split, MNIST_CLASSES, files);
}

/**
 * Fashion-MNIST's `split` from the bytes of its two IDX files, gzipped or not
 * (the same layout and names as MNIST's). Errors as {@link mnistFromBytes}.
 *
 * @example
 * ```ts
 * const train = await fashionMnistFromBytes('train', { images, labels });
 * train.classes[train.get(0).label]; // e.g. 'Ankle boot'
 * ```
 */
export function fashionMnistFromBytes(split: Split, files: IdxBytes): Promise<Dataset> {
  return idxFromBytes('fashion-mnist', split, FASHION_MNIST_CLASSES, files);
}

/**
 * CIFAR-10's `split` from the bytes of its binary batches, gzipped or not,
 * in order (`data_batch_1.bin` … `data_batch_5.bin` for `train`,
 * `test_batch.bin` for `test`; fewer batches give a smaller set). Every batch
 * is checked before the dataset is built; errors name `<data_batch_N.bin>`.
 *
 * @example
 * ```ts
 * const test = await cifar10FromBytes('test', [testBatchBytes]);
 * test.classes; // ['airplane', …]
 * ```
 */
export async function cifar10FromBytes(split: Split, batches: readonly Uint8Array[]): Promise<Dataset> {
  const names: readonly string[] = CIFAR10_FILES[split];
  if (batches.length === 0 || batches.length > names.length) {
    throw new DatasetError(
      'missing-file',
      `cifar10-${split}`,
      0,
      `${batches.length} batches given; ${split} has 1 to ${names.length} (${names.join(', ')})`,
    );
  }
  const files = await Promise.all(batches.map((bytes, i) => decompressed(bytes, `<${names[i]}>`)));
  return cifarDataset(split, files);
}
