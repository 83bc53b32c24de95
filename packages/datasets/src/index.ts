/**
 * @gradstream/datasets — image datasets, transforms and a batching DataLoader.
 * This entry runs anywhere (browsers included): MNIST, Fashion-MNIST and
 * CIFAR-10 load from bytes or a URL. In Node, the `node` condition (or
 * `@gradstream/datasets/node`) adds `mnist`, `fashionMnist` and `cifar10`,
 * which read files.
 *
 * @example
 * ```ts
 * import { mnistFromUrl, DataLoader } from '@gradstream/datasets';
 * const train = new DataLoader(await mnistFromUrl('train', '/data/mnist/'), { batchSize: 64, shuffle: true });
 * ```
 */
export { DatasetError, type DatasetErrorCode } from './errors.js';
export type { Dataset, Sample, ImageShape, SharedSource } from './dataset.js';
export { parseIdx, type IdxData } from './idx.js';
export { parseCifarBatch, type CifarBatch } from './cifar.js';
export type { Split } from './idx-dataset.js';
export { mnistFromBytes, fashionMnistFromBytes, cifar10FromBytes, type IdxBytes } from './from-bytes.js';
export { mnistFromUrl, fashionMnistFromUrl, cifar10FromUrl, type UrlOptions } from './from-url.js';
export { fromArrays, type FromArraysOptions } from './from-arrays.js';
export * as synthetic from './synthetic/index.js';
export type { SyntheticOptions, EdgesOptions } from './synthetic/index.js';
export { DataLoader, type DataLoaderOptions, type Batch } from './loader.js';
export { PrefetchError } from './prefetcher.js';
export type { BatchArrays } from './batch.js';
export {
  normalize,
  randomCrop,
  randomShift,
  horizontalFlip,
  compose,
  type Transform,
  type RandomCropOptions,
} from './transforms.js';
