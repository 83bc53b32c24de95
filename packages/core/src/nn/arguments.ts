import { ArgumentError, fmtValue } from '../util/errors.js';

/**
 * Checks a layer's size arguments (features, channels) before any parameter
 * is made, so `new Conv2d(-1, …)` is refused by name instead of failing
 * inside the initializer.
 */
export function assertPositiveIntegers(layer: string, sizes: Readonly<Record<string, number>>): void {
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value < 1)
      throw new ArgumentError(layer, `${name} must be a positive integer, got ${fmtValue(value)}`);
  }
}
