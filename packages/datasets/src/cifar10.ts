import { CIFAR_PIXELS, parseCifarBatch } from './cifar.js';
import { StoredDataset, type Dataset } from './dataset.js';
import { readDataFile } from './files.js';
import type { Split } from './idx-dataset.js';

/** Where the CIFAR-10 binary batches are. */
export interface CifarOptions {
  /** Directory holding `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin` (each optionally `.gz`). */
  readonly dir: string;
}

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;
const TRAIN_FILES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
];

/**
 * CIFAR-10 from its binary distribution: 3×32×32 colour images in 10 classes,
 * 50,000 for `train` (five batches) and 10,000 for `test`. All batches are
 * parsed and checked before the dataset is built.
 *
 * @example
 * ```ts
 * const test = cifar10('test', { dir: '/data/cifar-10-batches-bin' });
 * test.imageShape; // [3, 32, 32]
 * ```
 */
export function cifar10(split: Split, options: CifarOptions): Dataset {
  const names = split === 'train' ? TRAIN_FILES : ['test_batch.bin'];
  const batches = names.map((name) => {
    const file = readDataFile(options.dir, [name]);
    return parseCifarBatch(file.bytes, file.path);
  });
  const count = batches.reduce((n, b) => n + b.count, 0);
  const images = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const b of batches) {
    images.set(b.images, at * CIFAR_PIXELS);
    labels.set(b.labels, at);
    at += b.count;
  }
  return new StoredDataset(`cifar10-${split}`, [3, 32, 32], CLASSES, images, labels);
}
