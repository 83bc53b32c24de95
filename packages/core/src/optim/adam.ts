import { add, div, maximum, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../util/options.js';
import { BaseOptimizer, type Optimizer, type Params, type UpdateContext } from './optimizer.js';
import { checkBetas, checkRange, definedOnly, descentGradient } from './rule-helpers.js';
import type { LearningRate } from './schedule.js';

/** Hyperparameters of adam and adamW, per group, with torch.optim.Adam's defaults. */
export type AdamHyperparameters = {
  /** Decay rates of the first and second moment averages ([0.9, 0.999]). */
  readonly betas: readonly [number, number];
  /** Added to the denominator (1e-8). */
  readonly eps: number;
  /** Adam: L2 penalty added to the gradient (0). AdamW: decoupled decay factor (0.01). */
  readonly weightDecay: number;
  /** Divide by the running maximum of the second moment (AMSGrad, Reddi et al. 2018) (false). */
  readonly amsgrad: boolean;
  /** Ascend the objective instead of descending it (false). */
  readonly maximize: boolean;
};

/** Options of adam and adamW: the lr (1e-3) and the defaults of every group's hyperparameters. */
export type AdamOptions = { readonly lr?: LearningRate } & Partial<AdamHyperparameters>;

const KEYS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'] as const;

function validate(h: AdamHyperparameters, where: string): void {
  checkBetas(where, h.betas);
  checkRange(where, 'eps', h.eps, 0);
  checkRange(where, 'weightDecay', h.weightDecay, 0);
}

/** The bias-corrected Adam step shared by Adam and AdamW (with AMSGrad's running maximum when asked). */
function adamStep(p: Tensor, g: Tensor, ctx: UpdateContext<AdamHyperparameters>): Tensor {
  const { betas, eps, amsgrad } = ctx.group;
  const [b1, b2] = betas;
  ctx.set('exp_avg', add(mul(ctx.get('exp_avg') ?? zerosLike(g), b1), mul(g, 1 - b1)));
  ctx.set('exp_avg_sq', add(mul(ctx.get('exp_avg_sq') ?? zerosLike(g), b2), mul(square(g), 1 - b2)));
  let second = ctx.get('exp_avg_sq')!;
  if (amsgrad) {
    const prev = ctx.get('max_exp_avg_sq');
    ctx.set('max_exp_avg_sq', prev ? maximum(prev, second) : add(second, 0));
    second = ctx.get('max_exp_avg_sq')!;
  }
  const stepSize = ctx.lr / (1 - b1 ** ctx.t);
  const denom = add(div(sqrt(second), Math.sqrt(1 - b2 ** ctx.t)), eps);
  return sub(p, mul(div(ctx.get('exp_avg')!, denom), stepSize));
}

const slots = (h: AdamHyperparameters): readonly string[] =>
  h.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];

function make(
  name: 'adam' | 'adamW',
  params: Params<AdamHyperparameters>,
  options: AdamOptions,
  decoupled: boolean,
): Optimizer<AdamHyperparameters> {
  const { lr = 1e-3, ...rest } = checkOptions(name, options, [...KEYS]);
  return new BaseOptimizer(params, {
    name,
    lr,
    defaults: {
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: decoupled ? 0.01 : 0,
      amsgrad: false,
      maximize: false,
      ...definedOnly(rest),
    },
    validate,
    slots,
    update: decoupled
      ? (p, grad, ctx) => {
          const wd = ctx.group.weightDecay;
          const g = descentGradient(p, grad, ctx.group.maximize, 0);
          return adamStep(wd ? mul(p, 1 - ctx.lr * wd) : p, g, ctx);
        }
      : (p, grad, ctx) => adamStep(p, descentGradient(p, grad, ctx.group.maximize, ctx.group.weightDecay), ctx),
    // The fused kernels have no amsgrad (its third state tensor): that group composes.
    fusedRule: (h, lr) =>
      h.amsgrad
        ? undefined
        : {
            kind: 'adam',
            lr,
            beta1: h.betas[0]!,
            beta2: h.betas[1]!,
            eps: h.eps,
            weightDecay: h.weightDecay,
            decoupled,
            maximize: h.maximize,
          },
  });
}

/**
 * Adam, exactly as torch.optim.Adam (weight decay as an L2 term in the
 * gradient; `amsgrad` and `maximize` as torch's).
 *
 * @example
 * ```ts
 * const opt = adam(model.parameters(), { lr: 1e-3, amsgrad: true });
 * ```
 */
export function adam(params: Params<AdamHyperparameters>, options: AdamOptions = {}): Optimizer<AdamHyperparameters> {
  return make('adam', params, options, false);
}

/**
 * AdamW, exactly as torch.optim.AdamW: the decay p·(1 − lr·wd) is applied
 * to the weights directly, apart from the adaptive step (default wd 0.01).
 *
 * @example
 * ```ts
 * const opt = adamW(paramGroupsNoDecay(model, { weightDecay: 0.05 }), { lr: 1e-3 });
 * ```
 */
export function adamW(params: Params<AdamHyperparameters>, options: AdamOptions = {}): Optimizer<AdamHyperparameters> {
  return make('adamW', params, options, true);
}
