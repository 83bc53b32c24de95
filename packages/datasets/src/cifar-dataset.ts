import { CIFAR_PIXELS, parseCifarBatch } from './cifar.js';
import { CIFAR10_CLASSES } from './classes.js';
import { StoredDataset } from './dataset.js';
import type { FileBytes } from './file-bytes.js';
import type { Split } from './idx-dataset.js';

/**
 * Builds CIFAR-10's `split` from its binary batches (already decompressed).
 * Every batch is parsed and checked before the dataset is built; Node and the
 * browser loaders both end here, so both throw the same errors.
 */
export function cifarDataset(split: Split, files: readonly FileBytes[]): StoredDataset {
  const batches = files.map((file) => parseCifarBatch(file.bytes, file.path));
  const count = batches.reduce((n, b) => n + b.count, 0);
  const images = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const b of batches) {
    images.set(b.images, at * CIFAR_PIXELS);
    labels.set(b.labels, at);
    at += b.count;
  }
  return new StoredDataset(`cifar10-${split}`, [3, 32, 32], CIFAR10_CLASSES, images, labels);
}
