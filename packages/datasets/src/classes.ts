/** Label names of the built-in datasets, one home for the Node and the browser loaders. */

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

export const FASHION_MNIST_CLASSES = [
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

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

/** The files of each split in the standard distributions, without `.gz`. */
export function idxFileNames(split: 'train' | 'test'): { images: string[]; labels: string[] } {
  const prefix = split === 'train' ? 'train' : 't10k';
  // Some mirrors (e.g. Kaggle) spell the names with a dot before idxN; the first name is the standard one.
  return {
    images: [`${prefix}-images-idx3-ubyte`, `${prefix}-images.idx3-ubyte`],
    labels: [`${prefix}-labels-idx1-ubyte`, `${prefix}-labels.idx1-ubyte`],
  };
}

export const CIFAR10_FILES = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
} as const;
