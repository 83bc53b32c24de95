import { add, div, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { BaseOptimizer, type Optimizer } from './optimizer.js';
import type { LearningRate } from './schedule.js';

/** Options of rmsprop, with torch.optim.RMSprop's defaults. */
export interface RmspropOptions {
  /** Learning rate (0.01). */
  readonly lr?: LearningRate;
  /** Smoothing constant of the squared-gradient average (0.99). */
  readonly alpha?: number;
  /** Added to the denominator (1e-8). */
  readonly eps?: number;
  /** Momentum factor (0). */
  readonly momentum?: number;
  /** L2 penalty added to the gradient (0). */
  readonly weightDecay?: number;
  /** Normalize by the estimated variance instead of the raw second moment (false). */
  readonly centered?: boolean;
}

/**
 * RMSprop, exactly as torch.optim.RMSprop: sq = α·sq + (1 − α)·g²;
 * avg = √(sq − ḡ²) (centered) or √sq, plus eps; with momentum
 * buf = momentum·buf + g/avg and p −= lr·buf, else p −= lr·g/avg.
 *
 * @example
 * ```ts
 * const opt = rmsprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 * ```
 */
export function rmsprop(params: readonly Tensor[], options: RmspropOptions = {}): Optimizer {
  const alpha = options.alpha ?? 0.99;
  const eps = options.eps ?? 1e-8;
  const momentum = options.momentum ?? 0;
  const wd = options.weightDecay ?? 0;
  const centered = options.centered ?? false;
  const slots = ['square_avg', ...(momentum ? ['momentum_buffer'] : []), ...(centered ? ['grad_avg'] : [])];
  return new BaseOptimizer(
    'rmsprop',
    params,
    options.lr ?? 0.01,
    (p, grad, ctx) => {
      const g = wd ? add(grad, mul(p, wd)) : grad;
      const zero = (): Tensor => zerosLike(g);
      ctx.set('square_avg', add(mul(ctx.get('square_avg') ?? zero(), alpha), mul(square(g), 1 - alpha)));
      let second = ctx.get('square_avg')!;
      if (centered) {
        ctx.set('grad_avg', add(mul(ctx.get('grad_avg') ?? zero(), alpha), mul(g, 1 - alpha)));
        second = sub(second, square(ctx.get('grad_avg')!));
      }
      const step = div(g, add(sqrt(second), eps));
      if (!momentum) return sub(p, mul(step, ctx.lr));
      ctx.set('momentum_buffer', add(mul(ctx.get('momentum_buffer') ?? zero(), momentum), step));
      return sub(p, mul(ctx.get('momentum_buffer')!, ctx.lr));
    },
    slots,
  );
}
