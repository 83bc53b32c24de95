import { mul, square } from '../ops/elementwise.js';
import { noGrad } from '../ops/gradient-control.js';
import { sum } from '../ops/reduce.js';
import { tidy } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';

/** Gradients after clipping and their global L2 norm before it. */
export interface ClippedGrads {
  readonly grads: Tensor[];
  readonly norm: number;
}

/**
 * Scales all gradients together so their global L2 norm is at most
 * `maxNorm` (factor maxNorm/(norm + 1e-6), as torch.nn.utils.clip_grad_norm_).
 * Gradients already within the bound are returned as they are (the same
 * tensors); clipped ones are new tensors in the current scope.
 *
 * @example
 * ```ts
 * const { grads: clipped, norm } = clipGradNorm(grads, 1.0);
 * opt.step(clipped);
 * ```
 */
export function clipGradNorm(grads: readonly Tensor[], maxNorm: number): ClippedGrads {
  if (!(maxNorm > 0)) throw new ArgumentError('clipGradNorm', `maxNorm must be positive, got ${maxNorm}`);
  const norm = Math.sqrt(noGrad(() => tidy(() => grads.reduce((total, g) => total + sum(square(g)).item(), 0))));
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads: [...grads], norm };
  return { grads: noGrad(() => grads.map((g) => mul(g, coef))), norm };
}
