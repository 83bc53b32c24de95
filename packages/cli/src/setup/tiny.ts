import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@gradstream/core/nn';

/**
 * The smallest useful CNN, for the synthetic sets and tests: conv 4@3×3
 * (padding 1) → ReLU → 2×2 max pool → linear. Built as a Sequential so its
 * state-dict keys are `0.weight`, `0.bias`, `4.weight`, `4.bias`.
 *
 * @example
 * ```ts
 * const model = tinyCnn([1, 8, 8], 2); // 4·4·4 = 64 features into the classifier
 * ```
 */
export function tinyCnn(imageShape: readonly [number, number, number], numClasses: number): Sequential {
  const [c, h, w] = imageShape;
  return new Sequential([
    new Conv2d(c, 4, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(4 * Math.floor(h / 2) * Math.floor(w / 2), numClasses),
  ]);
}
