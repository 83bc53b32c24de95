import { normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, div, exp, log, sub } from './elementwise.js';
import { stopGradient } from './gradient-control.js';
import { reshape } from './layout.js';
import { max, sum } from './reduce.js';

/**
 * Softmax along an axis (default last), shifted by the maximum for
 * stability. Composed from ops, so it has gradients of every order.
 *
 * @example
 * ```ts
 * softmax(tensor([1, 2, 3])).sum().item(); // 1
 * ```
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  normalizeAxis('softmax', axis, x.rank); // so a bad axis is reported as softmax's, not max's
  const shifted = sub(x, stopGradient(max(x, axis, { keepDims: true })));
  const e = exp(shifted);
  return div(e, sum(e, axis, { keepDims: true }));
}

/** log(softmax(x)) computed stably (log-sum-exp). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  normalizeAxis('logSoftmax', axis, x.rank);
  const shifted = sub(x, stopGradient(max(x, axis, { keepDims: true })));
  return sub(shifted, log(sum(exp(shifted), axis, { keepDims: true })));
}

/** log Σ exp(x) along axes, computed stably. */
export function logSumExp(x: Tensor, axis: number | readonly number[] = -1, keepDims = false): Tensor {
  const m = stopGradient(max(x, axis, { keepDims: true }));
  const lse = add(log(sum(exp(sub(x, m)), axis, { keepDims: true })), m);
  return keepDims ? lse : squeezeAxes(lse, axis);
}

function squeezeAxes(x: Tensor, axis: number | readonly number[]): Tensor {
  const axes = normalizeAxes('logSumExp', axis, x.rank);
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}
