import { add, mul, sub } from '../ops/elementwise.js';
import { reshape } from '../ops/layout.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';
import { BaseOptimizer, type Optimizer } from './optimizer.js';
import type { LearningRate } from './schedule.js';

/** Options of sgd, with torch.optim.SGD's defaults. */
export interface SgdOptions {
  readonly lr: LearningRate;
  /** Momentum factor (0). */
  readonly momentum?: number;
  /** Dampening of the gradient entering the momentum buffer (0). */
  readonly dampening?: number;
  /** Nesterov momentum (false); needs momentum > 0 and no dampening. */
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient (0). */
  readonly weightDecay?: number;
}

/**
 * Stochastic gradient descent, exactly as torch.optim.SGD: g += wd·p;
 * buf = g on the first step, then momentum·buf + (1 − dampening)·g;
 * p −= lr·(nesterov ? g + momentum·buf : buf).
 *
 * @example
 * ```ts
 * const opt = sgd(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
 * ```
 */
export function sgd(params: readonly Tensor[], options: SgdOptions): Optimizer {
  const momentum = options.momentum ?? 0;
  const dampening = options.dampening ?? 0;
  const weightDecay = options.weightDecay ?? 0;
  const nesterov = options.nesterov ?? false;
  if (nesterov && (momentum <= 0 || dampening !== 0))
    throw new ArgumentError('sgd', 'nesterov momentum needs momentum > 0 and zero dampening');
  return new BaseOptimizer(
    'sgd',
    params,
    options.lr,
    (p, grad, ctx) => {
      let g = weightDecay ? add(grad, mul(p, weightDecay)) : grad;
      if (momentum) {
        const prev = ctx.get('momentum_buffer');
        // torch starts the buffer at the first gradient itself, not at zero.
        const buf = prev ? add(mul(prev, momentum), mul(g, 1 - dampening)) : reshape(g, g.shape);
        ctx.set('momentum_buffer', buf);
        g = nesterov ? add(g, mul(ctx.get('momentum_buffer')!, momentum)) : ctx.get('momentum_buffer')!;
      }
      return sub(p, mul(g, ctx.lr));
    },
    ['momentum_buffer'],
  );
}
