import { add, div, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { full, zerosLike } from '../tensor/creation.js';
import { checkOptions } from '../util/options.js';
import { BaseOptimizer, type Optimizer, type Params } from './optimizer.js';
import { checkRange, definedOnly, descentGradient } from './rule-helpers.js';
import type { LearningRate } from './schedule.js';

/** Hyperparameters of adagrad, per group, with torch.optim.Adagrad's defaults. */
export type AdagradHyperparameters = {
  /** The lr of step t is lr / (1 + (t − 1)·lrDecay) (0). */
  readonly lrDecay: number;
  /** L2 penalty added to the gradient (0). */
  readonly weightDecay: number;
  /** Starting value of the sum of squared gradients (0). */
  readonly initialAccumulatorValue: number;
  /** Added to the denominator (1e-10). */
  readonly eps: number;
  /** Ascend the objective instead of descending it (false). */
  readonly maximize: boolean;
};

/** Options of adagrad: the lr (0.01) and the defaults of every group's hyperparameters. */
export type AdagradOptions = { readonly lr?: LearningRate } & Partial<AdagradHyperparameters>;

/**
 * Adagrad (Duchi et al. 2011), exactly as torch.optim.Adagrad:
 * sum += g²; p −= lr/(1 + (t − 1)·lrDecay) · g/(√sum + eps).
 *
 * @example
 * ```ts
 * const opt = adagrad(model.parameters(), { lr: 0.01, lrDecay: 1e-4 });
 * ```
 */
export function adagrad(
  params: Params<AdagradHyperparameters>,
  options: AdagradOptions = {},
): Optimizer<AdagradHyperparameters> {
  const { lr = 0.01, ...rest } = checkOptions('adagrad', options, [
    'lr',
    'lrDecay',
    'weightDecay',
    'initialAccumulatorValue',
    'eps',
    'maximize',
  ]);
  return new BaseOptimizer(params, {
    name: 'adagrad',
    lr,
    defaults: {
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
      ...definedOnly(rest),
    },
    validate: (h, where) => {
      checkRange(where, 'lrDecay', h.lrDecay, 0);
      checkRange(where, 'weightDecay', h.weightDecay, 0);
      checkRange(where, 'initialAccumulatorValue', h.initialAccumulatorValue, 0);
      checkRange(where, 'eps', h.eps, 0);
    },
    slots: () => ['sum'],
    update: (p, grad, ctx) => {
      const h = ctx.group;
      const g = descentGradient(p, grad, h.maximize, h.weightDecay);
      const start = h.initialAccumulatorValue ? full(g.shape, h.initialAccumulatorValue, g.dtype) : zerosLike(g);
      ctx.set('sum', add(ctx.get('sum') ?? start, square(g)));
      const clr = ctx.lr / (1 + (ctx.t - 1) * h.lrDecay);
      return sub(p, mul(div(g, add(sqrt(ctx.get('sum')!), h.eps)), clr));
    },
  });
}

/** Hyperparameters of adadelta, per group, with torch.optim.Adadelta's defaults. */
export type AdadeltaHyperparameters = {
  /** Decay rate of the squared-gradient and squared-update averages (0.9). */
  readonly rho: number;
  /** Added inside both square roots (1e-6). */
  readonly eps: number;
  /** L2 penalty added to the gradient (0). */
  readonly weightDecay: number;
  /** Ascend the objective instead of descending it (false). */
  readonly maximize: boolean;
};

/** Options of adadelta: the lr (1) and the defaults of every group's hyperparameters. */
export type AdadeltaOptions = { readonly lr?: LearningRate } & Partial<AdadeltaHyperparameters>;

/**
 * Adadelta (Zeiler 2012), exactly as torch.optim.Adadelta:
 * sq = ρ·sq + (1 − ρ)·g²; Δ = √(acc + eps)/√(sq + eps)·g;
 * acc = ρ·acc + (1 − ρ)·Δ²; p −= lr·Δ.
 *
 * @example
 * ```ts
 * const opt = adadelta(model.parameters(), { rho: 0.95 });
 * ```
 */
export function adadelta(
  params: Params<AdadeltaHyperparameters>,
  options: AdadeltaOptions = {},
): Optimizer<AdadeltaHyperparameters> {
  const { lr = 1, ...rest } = checkOptions('adadelta', options, ['lr', 'rho', 'eps', 'weightDecay', 'maximize']);
  return new BaseOptimizer(params, {
    name: 'adadelta',
    lr,
    defaults: { rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false, ...definedOnly(rest) },
    validate: (h, where) => {
      checkRange(where, 'rho', h.rho, 0, 1);
      checkRange(where, 'eps', h.eps, 0);
      checkRange(where, 'weightDecay', h.weightDecay, 0);
    },
    slots: () => ['square_avg', 'acc_delta'],
    update: (p, grad, ctx) => {
      const { rho, eps, maximize, weightDecay } = ctx.group;
      const g = descentGradient(p, grad, maximize, weightDecay);
      ctx.set('square_avg', add(mul(ctx.get('square_avg') ?? zerosLike(g), rho), mul(square(g), 1 - rho)));
      const acc = ctx.get('acc_delta') ?? zerosLike(g);
      const delta = mul(div(sqrt(add(acc, eps)), sqrt(add(ctx.get('square_avg')!, eps))), g);
      ctx.set('acc_delta', add(mul(acc, rho), mul(square(delta), 1 - rho)));
      return sub(p, mul(delta, ctx.lr));
    },
  });
}
