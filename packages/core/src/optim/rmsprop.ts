import { add, div, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../util/options.js';
import { BaseOptimizer, type Optimizer, type Params } from './optimizer.js';
import { checkRange, definedOnly, descentGradient } from './rule-helpers.js';
import type { LearningRate } from './schedule.js';

/** Hyperparameters of rmsprop, per group, with torch.optim.RMSprop's defaults. */
export type RmspropHyperparameters = {
  /** Smoothing constant of the squared-gradient average (0.99). */
  readonly alpha: number;
  /** Added to the denominator (1e-8). */
  readonly eps: number;
  /** Momentum factor (0). */
  readonly momentum: number;
  /** L2 penalty added to the gradient (0). */
  readonly weightDecay: number;
  /** Normalize by the estimated variance instead of the raw second moment (false). */
  readonly centered: boolean;
  /** Ascend the objective instead of descending it (false). */
  readonly maximize: boolean;
};

/** Options of rmsprop: the lr (0.01) and the defaults of every group's hyperparameters. */
export type RmspropOptions = { readonly lr?: LearningRate } & Partial<RmspropHyperparameters>;

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
export function rmsprop(
  params: Params<RmspropHyperparameters>,
  options: RmspropOptions = {},
): Optimizer<RmspropHyperparameters> {
  const { lr = 0.01, ...rest } = checkOptions('rmsprop', options, [
    'lr',
    'alpha',
    'eps',
    'momentum',
    'weightDecay',
    'centered',
    'maximize',
  ]);
  return new BaseOptimizer(params, {
    name: 'rmsprop',
    lr,
    defaults: {
      alpha: 0.99,
      eps: 1e-8,
      momentum: 0,
      weightDecay: 0,
      centered: false,
      maximize: false,
      ...definedOnly(rest),
    },
    validate: (h, where) => {
      checkRange(where, 'alpha', h.alpha, 0);
      checkRange(where, 'eps', h.eps, 0);
      checkRange(where, 'momentum', h.momentum, 0);
      checkRange(where, 'weightDecay', h.weightDecay, 0);
    },
    slots: (h) => ['square_avg', ...(h.momentum ? ['momentum_buffer'] : []), ...(h.centered ? ['grad_avg'] : [])],
    update: (p, grad, ctx) => {
      const { alpha, eps, momentum, centered, maximize, weightDecay } = ctx.group;
      const g = descentGradient(p, grad, maximize, weightDecay);
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
  });
}
