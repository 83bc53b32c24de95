import { checkOptions } from '@gradstream/core';
import { cifarDataset } from './cifar-dataset.js';
import { CIFAR10_FILES } from './classes.js';
import type { Dataset } from './dataset.js';
import { readDataFile } from './files.js';
import type { Split } from './idx-dataset.js';

/** Where the CIFAR-10 binary batches are. */
export interface CifarOptions {
  /** Directory holding `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin` (each optionally `.gz`). */
  readonly dir: string;
}

/**
 * CIFAR-10 from its binary distribution: 3×32×32 colour images in 10 classes,
 * 50,000 for `train` (five batches) and 10,000 for `test`. All batches are
 * parsed and checked before the dataset is built. Node only; in a page, see
 * `cifar10FromUrl` and `cifar10FromBytes`.
 *
 * @example
 * ```ts
 * const test = cifar10('test', { dir: '/data/cifar-10-batches-bin' });
 * test.imageShape; // [3, 32, 32]
 * ```
 */
export function cifar10(split: Split, options: CifarOptions): Dataset {
  checkOptions('cifar10', options, ['dir']);
  return cifarDataset(
    split,
    CIFAR10_FILES[split].map((name) => readDataFile(options.dir, [name])),
  );
}
