export { DatasetError, type DatasetErrorCode } from './errors.js';
export type { Dataset, Sample, ImageShape } from './dataset.js';
export { parseIdx, type IdxData } from './idx.js';
export { parseCifarBatch, type CifarBatch } from './cifar.js';
export type { Split } from './idx-dataset.js';
export { mnist, type IdxOptions } from './mnist.js';
export { fashionMnist } from './fashion-mnist.js';
export { cifar10, type CifarOptions } from './cifar10.js';
export { fromArrays, type FromArraysOptions } from './from-arrays.js';
export * as synthetic from './synthetic/index.js';
export type { SyntheticOptions, EdgesOptions } from './synthetic/index.js';
export { DataLoader, type DataLoaderOptions, type Batch } from './loader.js';
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
export { Rng } from './random.js';
