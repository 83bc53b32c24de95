import { abs, add, div, maximum, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../util/options.js';
import { BaseOptimizer, type Optimizer, type Params } from './optimizer.js';
import { checkBetas, checkRange, definedOnly, descentGradient } from './rule-helpers.js';
import type { LearningRate } from './schedule.js';

/** Hyperparameters of adamax and radam, per group, with torch's defaults. */
export type AdamaxHyperparameters = {
  /** Decay rates of the first moment and of the infinity norm ([0.9, 0.999]). */
  readonly betas: readonly [number, number];
  /** Added to the denominator (1e-8). */
  readonly eps: number;
  /** L2 penalty added to the gradient (0). */
  readonly weightDecay: number;
  /** Ascend the objective instead of descending it (false). */
  readonly maximize: boolean;
};

/** Options of adamax: the lr (2e-3) and the defaults of every group's hyperparameters. */
export type AdamaxOptions = { readonly lr?: LearningRate } & Partial<AdamaxHyperparameters>;

const ADAM_FAMILY = ['lr', 'betas', 'eps', 'weightDecay', 'maximize'] as const;

function validateAdamFamily(h: AdamaxHyperparameters, where: string): void {
  checkBetas(where, h.betas);
  checkRange(where, 'eps', h.eps, 0);
  checkRange(where, 'weightDecay', h.weightDecay, 0);
}

const adamFamilyDefaults = (rest: object): AdamaxHyperparameters => ({
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0,
  maximize: false,
  ...definedOnly(rest),
});

/**
 * Adamax, the infinity-norm Adam (Kingma & Ba 2015, §7.1), exactly as
 * torch.optim.Adamax: m = β₁·m + (1 − β₁)·g; u = max(β₂·u, |g| + eps);
 * p −= lr/(1 − β₁ᵗ)·m/u.
 *
 * @example
 * ```ts
 * const opt = adamax(model.parameters(), { lr: 2e-3 });
 * ```
 */
export function adamax(
  params: Params<AdamaxHyperparameters>,
  options: AdamaxOptions = {},
): Optimizer<AdamaxHyperparameters> {
  const { lr = 2e-3, ...rest } = checkOptions('adamax', options, [...ADAM_FAMILY]);
  return new BaseOptimizer(params, {
    name: 'adamax',
    lr,
    defaults: adamFamilyDefaults(rest),
    validate: validateAdamFamily,
    slots: () => ['exp_avg', 'exp_inf'],
    update: (p, grad, ctx) => {
      const { betas, eps, maximize, weightDecay } = ctx.group;
      const [b1, b2] = betas;
      const g = descentGradient(p, grad, maximize, weightDecay);
      ctx.set('exp_avg', add(mul(ctx.get('exp_avg') ?? zerosLike(g), b1), mul(g, 1 - b1)));
      ctx.set('exp_inf', maximum(mul(ctx.get('exp_inf') ?? zerosLike(g), b2), add(abs(g), eps)));
      const clr = ctx.lr / (1 - b1 ** ctx.t);
      return sub(p, mul(div(ctx.get('exp_avg')!, ctx.get('exp_inf')!), clr));
    },
  });
}

/** Hyperparameters of nadam, per group, with torch.optim.NAdam's defaults. */
export type NadamHyperparameters = AdamaxHyperparameters & {
  /** Decay of the momentum schedule μₜ = β₁·(1 − ½·0.96^(t·momentumDecay)) (4e-3). */
  readonly momentumDecay: number;
};

/** Options of nadam: the lr (2e-3) and the defaults of every group's hyperparameters. */
export type NadamOptions = { readonly lr?: LearningRate } & Partial<NadamHyperparameters>;

/**
 * NAdam, Adam with Nesterov momentum (Dozat 2016), exactly as
 * torch.optim.NAdam with its μₜ schedule. `maximize` negates the gradient,
 * as torch 2's NAdam does (1.13 has no such option).
 *
 * @example
 * ```ts
 * const opt = nadam(model.parameters(), { lr: 2e-3, weightDecay: 1e-4 });
 * ```
 */
export function nadam(
  params: Params<NadamHyperparameters>,
  options: NadamOptions = {},
): Optimizer<NadamHyperparameters> {
  const { lr = 2e-3, ...rest } = checkOptions('nadam', options, [...ADAM_FAMILY, 'momentumDecay']);
  const mu = (b1: number, decay: number, t: number): number => b1 * (1 - 0.5 * 0.96 ** (t * decay));
  // torch keeps ∏μᵢ as state; it is a function of t alone, so it is kept here per
  // parameter as a number, multiplied on in torch's order, recomputed only when
  // the step count jumps (a loaded state dict).
  const products = new WeakMap<Tensor, { t: number; value: number }>();
  const product = (p: Tensor, t: number, muAt: (i: number) => number): number => {
    let kept = products.get(p);
    if (!kept || kept.t !== t - 1) {
      kept = { t: 0, value: 1 };
      for (let i = 1; i < t; i++) kept.value *= muAt(i);
      kept.t = t - 1;
    }
    kept.value *= muAt(t);
    kept.t = t;
    products.set(p, kept);
    return kept.value;
  };
  return new BaseOptimizer(params, {
    name: 'nadam',
    lr,
    defaults: { momentumDecay: 4e-3, ...adamFamilyDefaults(rest) },
    validate: (h, where) => {
      validateAdamFamily(h, where);
      checkRange(where, 'momentumDecay', h.momentumDecay, 0);
    },
    slots: () => ['exp_avg', 'exp_avg_sq'],
    update: (p, grad, ctx) => {
      const { betas, eps, maximize, weightDecay, momentumDecay } = ctx.group;
      const [b1, b2] = betas;
      const t = ctx.t;
      const g = descentGradient(p, grad, maximize, weightDecay);
      const muProduct = product(p, t, (i) => mu(b1, momentumDecay, i));
      const muT = mu(b1, momentumDecay, t);
      const muNext = mu(b1, momentumDecay, t + 1);
      ctx.set('exp_avg', add(mul(ctx.get('exp_avg') ?? zerosLike(g), b1), mul(g, 1 - b1)));
      ctx.set('exp_avg_sq', add(mul(ctx.get('exp_avg_sq') ?? zerosLike(g), b2), mul(square(g), 1 - b2)));
      const denom = add(sqrt(div(ctx.get('exp_avg_sq')!, 1 - b2 ** t)), eps);
      const afterGrad = sub(p, mul(div(g, denom), (ctx.lr * (1 - muT)) / (1 - muProduct)));
      return sub(afterGrad, mul(div(ctx.get('exp_avg')!, denom), (ctx.lr * muNext) / (1 - muProduct * muNext)));
    },
  });
}

/** Options of radam: the lr (1e-3) and the defaults of every group's hyperparameters. */
export type RadamOptions = { readonly lr?: LearningRate } & Partial<AdamaxHyperparameters>;

/**
 * RAdam, Adam with the variance rectification of Liu et al. (2020),
 * exactly as torch.optim.RAdam: plain bias-corrected momentum while the
 * rectification term ρₜ ≤ 5, the rectified adaptive step after.
 * `maximize` negates the gradient, as torch 2's RAdam does.
 *
 * @example
 * ```ts
 * const opt = radam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export function radam(
  params: Params<AdamaxHyperparameters>,
  options: RadamOptions = {},
): Optimizer<AdamaxHyperparameters> {
  const { lr = 1e-3, ...rest } = checkOptions('radam', options, [...ADAM_FAMILY]);
  return new BaseOptimizer(params, {
    name: 'radam',
    lr,
    defaults: adamFamilyDefaults(rest),
    validate: validateAdamFamily,
    slots: () => ['exp_avg', 'exp_avg_sq'],
    update: (p, grad, ctx) => {
      const { betas, eps, maximize, weightDecay } = ctx.group;
      const [b1, b2] = betas;
      const t = ctx.t;
      const g = descentGradient(p, grad, maximize, weightDecay);
      ctx.set('exp_avg', add(mul(ctx.get('exp_avg') ?? zerosLike(g), b1), mul(g, 1 - b1)));
      ctx.set('exp_avg_sq', add(mul(ctx.get('exp_avg_sq') ?? zerosLike(g), b2), mul(square(g), 1 - b2)));
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      const corrected = div(ctx.get('exp_avg')!, bc1);
      const rhoInf = 2 / (1 - b2) - 1;
      const rhoT = rhoInf - (2 * t * b2 ** t) / bc2;
      if (rhoT <= 5) return sub(p, mul(corrected, ctx.lr));
      const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
      const adaptive = div(Math.sqrt(bc2), add(sqrt(ctx.get('exp_avg_sq')!), eps));
      return sub(p, mul(mul(corrected, adaptive), ctx.lr * rect));
    },
  });
}
