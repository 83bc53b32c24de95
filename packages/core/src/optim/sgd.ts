import { add, mul, sub } from '../ops/elementwise.js';
import { reshape } from '../ops/layout.js';
import { ArgumentError } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { BaseOptimizer, type Optimizer, type Params } from './optimizer.js';
import { checkRange, definedOnly, descentGradient } from './rule-helpers.js';
import type { LearningRate } from './schedule.js';

/** Hyperparameters of sgd, per group, with torch.optim.SGD's defaults. */
export type SgdHyperparameters = {
  /** Momentum factor (0). */
  readonly momentum: number;
  /** Dampening of the gradient entering the momentum buffer (0). */
  readonly dampening: number;
  /** Nesterov momentum (false); needs momentum > 0 and no dampening. */
  readonly nesterov: boolean;
  /** L2 penalty added to the gradient (0). */
  readonly weightDecay: number;
  /** Ascend the objective instead of descending it (false). */
  readonly maximize: boolean;
};

/** Options of sgd: the lr and the defaults of every group's hyperparameters. */
export type SgdOptions = { readonly lr: LearningRate } & Partial<SgdHyperparameters>;

const SGD_DEFAULTS: SgdHyperparameters = {
  momentum: 0,
  dampening: 0,
  nesterov: false,
  weightDecay: 0,
  maximize: false,
};

/**
 * Stochastic gradient descent, exactly as torch.optim.SGD: g = ±g + wd·p;
 * buf = g on the first step, then momentum·buf + (1 − dampening)·g;
 * p −= lr·(nesterov ? g + momentum·buf : buf). Takes a flat parameter list
 * or parameter groups, each with its own lr and hyperparameters.
 *
 * @example
 * ```ts
 * const opt = sgd(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
 * const grouped = sgd(paramGroupsNoDecay(model, { weightDecay: 5e-4 }), { lr: 0.1, momentum: 0.9 });
 * ```
 */
export function sgd(params: Params<SgdHyperparameters>, options: SgdOptions): Optimizer<SgdHyperparameters> {
  const { lr, ...rest } = checkOptions('sgd', options, ['lr', ...(Object.keys(SGD_DEFAULTS) as (keyof SgdOptions)[])]);
  if (lr === undefined) throw new ArgumentError('sgd', 'lr is required');
  return new BaseOptimizer(params, {
    name: 'sgd',
    lr,
    defaults: { ...SGD_DEFAULTS, ...definedOnly(rest) },
    validate: (h, where) => {
      checkRange(where, 'momentum', h.momentum, 0);
      checkRange(where, 'weightDecay', h.weightDecay, 0);
      if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0))
        throw new ArgumentError(where, 'nesterov momentum needs momentum > 0 and zero dampening');
    },
    slots: (h) => (h.momentum ? ['momentum_buffer'] : []),
    fusedRule: (h, lr) => ({
      kind: 'sgd',
      lr,
      momentum: h.momentum,
      dampening: h.dampening,
      nesterov: h.nesterov,
      weightDecay: h.weightDecay,
      maximize: h.maximize,
    }),
    update: (p, grad, ctx) => {
      const h = ctx.group;
      let g = descentGradient(p, grad, h.maximize, h.weightDecay);
      if (h.momentum) {
        const prev = ctx.get('momentum_buffer');
        // torch starts the buffer at the first gradient itself, not at zero.
        const buf = prev ? add(mul(prev, h.momentum), mul(g, 1 - h.dampening)) : reshape(g, g.shape);
        ctx.set('momentum_buffer', buf);
        g = h.nesterov ? add(g, mul(ctx.get('momentum_buffer')!, h.momentum)) : ctx.get('momentum_buffer')!;
      }
      return sub(p, mul(g, ctx.lr));
    },
  });
}
