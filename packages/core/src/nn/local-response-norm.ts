import { type LocalResponseNormOptions, localResponseNorm } from '../ops/normalization.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../util/options.js';
import { Module } from './module.js';
import { assertPositiveIntegers } from './arguments.js';

/**
 * Local response normalization across channels, as torch.nn.LocalResponseNorm
 * (see `localResponseNorm` for the formula); no parameters.
 *
 * @example
 * ```ts
 * new LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 }); // after AlexNet's first two convolutions
 * ```
 */
export class LocalResponseNorm extends Module {
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(
    readonly size: number,
    options?: LocalResponseNormOptions,
  ) {
    super();
    const o = checkOptions('LocalResponseNorm', options, ['alpha', 'beta', 'k']);
    assertPositiveIntegers('LocalResponseNorm', { size });
    this.alpha = o.alpha ?? 1e-4;
    this.beta = o.beta ?? 0.75;
    this.k = o.k ?? 1;
  }

  forward(x: Tensor): Tensor {
    return localResponseNorm(x, this.size, { alpha: this.alpha, beta: this.beta, k: this.k });
  }
}
