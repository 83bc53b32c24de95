import { add, div, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { BaseOptimizer, type Optimizer, type UpdateContext } from './optimizer.js';
import type { LearningRate } from './schedule.js';

/** Options of adam and adamW, with torch.optim.Adam's defaults. */
export interface AdamOptions {
  /** Learning rate (1e-3). */
  readonly lr?: LearningRate;
  /** Decay rates of the first and second moment averages ([0.9, 0.999]). */
  readonly betas?: readonly [number, number];
  /** Added to the denominator (1e-8). */
  readonly eps?: number;
  /** Adam: L2 penalty added to the gradient (0). AdamW: decoupled decay factor (0.01). */
  readonly weightDecay?: number;
}

/** The bias-corrected Adam step shared by Adam and AdamW. */
function adamStep(p: Tensor, g: Tensor, ctx: UpdateContext, [b1, b2]: readonly [number, number], eps: number): Tensor {
  const m = add(mul(ctx.get('exp_avg') ?? zerosLike(g), b1), mul(g, 1 - b1));
  const v = add(mul(ctx.get('exp_avg_sq') ?? zerosLike(g), b2), mul(square(g), 1 - b2));
  ctx.set('exp_avg', m);
  ctx.set('exp_avg_sq', v);
  const stepSize = ctx.lr / (1 - b1 ** ctx.t);
  const denom = add(div(sqrt(ctx.get('exp_avg_sq')!), Math.sqrt(1 - b2 ** ctx.t)), eps);
  return sub(p, mul(div(ctx.get('exp_avg')!, denom), stepSize));
}

/**
 * Adam, exactly as torch.optim.Adam (weight decay as an L2 term in the gradient).
 *
 * @example
 * ```ts
 * const opt = adam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export function adam(params: readonly Tensor[], options: AdamOptions = {}): Optimizer {
  const betas = options.betas ?? [0.9, 0.999];
  const eps = options.eps ?? 1e-8;
  const wd = options.weightDecay ?? 0;
  return new BaseOptimizer(
    'adam',
    params,
    options.lr ?? 1e-3,
    (p, grad, ctx) => adamStep(p, wd ? add(grad, mul(p, wd)) : grad, ctx, betas, eps),
    ['exp_avg', 'exp_avg_sq'],
  );
}

/**
 * AdamW, exactly as torch.optim.AdamW: the decay p·(1 − lr·wd) is applied
 * to the weights directly, apart from the adaptive step (default wd 0.01).
 *
 * @example
 * ```ts
 * const opt = adamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 * ```
 */
export function adamW(params: readonly Tensor[], options: AdamOptions = {}): Optimizer {
  const betas = options.betas ?? [0.9, 0.999];
  const eps = options.eps ?? 1e-8;
  const wd = options.weightDecay ?? 0.01;
  return new BaseOptimizer(
    'adamW',
    params,
    options.lr ?? 1e-3,
    (p, grad, ctx) => adamStep(wd ? mul(p, 1 - ctx.lr * wd) : p, grad, ctx, betas, eps),
    ['exp_avg', 'exp_avg_sq'],
  );
}
