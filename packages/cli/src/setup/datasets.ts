import { existsSync, statSync } from 'node:fs';
import {
  DatasetError,
  cifar10,
  fashionMnist,
  mnist,
  normalize,
  synthetic,
  type Dataset,
  type ImageShape,
  type Transform,
} from '@gradstream/datasets/node';
import { UsageError } from '../command-line/usage-error.js';
import type { ModelName } from './models.js';
import { subset } from './subset.js';

/** Training, validation and test data of one run. */
export interface Splits {
  readonly train: Dataset;
  readonly validation: Dataset;
  readonly test: Dataset;
}

/** How to load the splits. */
export interface LoadOptions {
  /** Where the files are (required for cifar10, optional for the MNISTs). */
  readonly dataDir?: string;
  /** Seed of the synthetic generators. */
  readonly seed: number;
  /** Use only the first `limit` samples of each split. */
  readonly limit?: number;
}

interface DatasetSpec {
  readonly imageShape: ImageShape;
  readonly numClasses: number;
  /** The model `train` uses when --model is not given. */
  readonly defaultModel: ModelName;
  readonly needsDataDir: boolean;
  /** Per-dataset standardization; the synthetic sets are used as is. */
  readonly transform?: Transform;
  /** Thunks, so that `eval` reads only the test files. */
  readonly load: (o: LoadOptions) => {
    readonly train: () => Dataset;
    readonly test: () => Dataset;
    readonly validation?: () => Dataset;
  };
}

/** Held out from the end of the training split, as in the classic MNIST setup (55,000 / 5,000). */
export const VALIDATION_SIZE = 5000;

const SYNTHETIC_TRAIN = 2048;
const SYNTHETIC_EVAL = 512;

const dirOption = (o: LoadOptions) => (o.dataDir === undefined ? {} : { dir: o.dataDir });

function syntheticSplits(make: (count: number, seed: number) => Dataset, o: LoadOptions) {
  // Three generator seeds per run seed, so train, validation and test never share an image.
  return {
    train: () => make(o.limit ?? SYNTHETIC_TRAIN, 3 * o.seed),
    validation: () => make(Math.min(o.limit ?? SYNTHETIC_EVAL, SYNTHETIC_EVAL), 3 * o.seed + 1),
    test: () => make(Math.min(o.limit ?? SYNTHETIC_EVAL, SYNTHETIC_EVAL), 3 * o.seed + 2),
  };
}

const DATASETS = {
  mnist: {
    imageShape: [1, 28, 28],
    numClasses: 10,
    defaultModel: 'lenet5',
    needsDataDir: false,
    transform: normalize(0.1307, 0.3081),
    load: (o) => ({ train: () => mnist('train', dirOption(o)), test: () => mnist('test', dirOption(o)) }),
  },
  'fashion-mnist': {
    imageShape: [1, 28, 28],
    numClasses: 10,
    defaultModel: 'lenet5',
    needsDataDir: false,
    transform: normalize(0.286, 0.353),
    load: (o) => ({ train: () => fashionMnist('train', dirOption(o)), test: () => fashionMnist('test', dirOption(o)) }),
  },
  cifar10: {
    imageShape: [3, 32, 32],
    numClasses: 10,
    defaultModel: 'resnet18',
    needsDataDir: true,
    transform: normalize([0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616]),
    load: (o) => ({
      train: () => cifar10('train', { dir: o.dataDir! }),
      test: () => cifar10('test', { dir: o.dataDir! }),
    }),
  },
  xo: {
    imageShape: [1, 8, 8],
    numClasses: 2,
    defaultModel: 'tiny',
    needsDataDir: false,
    load: (o) => syntheticSplits((count, seed) => synthetic.xo({ count, seed }), o),
  },
  edges: {
    imageShape: [1, 8, 8],
    numClasses: 4,
    defaultModel: 'tiny',
    needsDataDir: false,
    load: (o) => syntheticSplits((count, seed) => synthetic.edges({ count, seed }), o),
  },
} satisfies Record<string, DatasetSpec>;

/** A dataset the CLI can load. */
export type DatasetName = keyof typeof DATASETS;

/** Every dataset name, in the order `--help` lists them. */
export const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];

/** Static facts about a dataset, known without reading any file. */
export function datasetInfo(
  name: DatasetName,
): Pick<DatasetSpec, 'imageShape' | 'numClasses' | 'defaultModel' | 'needsDataDir' | 'transform'> {
  return DATASETS[name];
}

/**
 * Loads the splits of `name`. The file datasets hold out the last
 * {@link VALIDATION_SIZE} training images for validation and keep the test
 * split for the final score; the synthetic sets draw three disjoint sets.
 * With `limit`, every split is cut to its first `limit` samples.
 * @throws UsageError for a --data-dir that is not a directory or lacks the files.
 */
export function loadSplits(name: DatasetName, o: LoadOptions): Splits {
  const parts = datasetParts(name, o);
  const test = load(name, parts.test, o);
  if (parts.validation) return { train: load(name, parts.train, o), validation: load(name, parts.validation, o), test };
  const full = load(name, parts.train, { ...o, limit: undefined });
  const boundary = Math.max(1, full.length - VALIDATION_SIZE);
  return {
    train: cut(subset(full, 0, boundary, `${full.name}[:${boundary}]`), o.limit),
    validation: cut(subset(full, boundary, full.length, `${full.name}[${boundary}:]`), o.limit),
    test,
  };
}

/** Only the test split of `name` (cut to `limit`), for `eval`. */
export function loadTestSplit(name: DatasetName, o: LoadOptions): Dataset {
  return load(name, datasetParts(name, o).test, o);
}

function datasetParts(name: DatasetName, o: LoadOptions): ReturnType<DatasetSpec['load']> {
  if (o.dataDir !== undefined && !(existsSync(o.dataDir) && statSync(o.dataDir).isDirectory())) {
    throw new UsageError(`--data-dir '${o.dataDir}' is not a directory`);
  }
  return DATASETS[name].load(o);
}

function cut(d: Dataset, limit: number | undefined): Dataset {
  return limit === undefined || limit >= d.length ? d : subset(d, 0, limit);
}

function load(name: DatasetName, thunk: () => Dataset, o: LoadOptions): Dataset {
  try {
    return cut(thunk(), o.limit);
  } catch (e) {
    // Missing files are a wrong --data-dir (or a missing optional package), not a crash.
    if (e instanceof DatasetError && (e.code === 'missing-file' || e.code === 'missing-package'))
      throw new UsageError(`dataset '${name}': ${e.message}`);
    throw e;
  }
}
