import { freeOnThrow } from '../tensor/engine.js';
import { normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, div, exp, log, sub } from './elementwise.js';
import { stopGradient } from './gradient-control.js';
import { reshape } from './layout.js';
import { max, sum } from './reduce.js';

/**
 * x − max(x) along `axis`, the max held constant: exponentials of it cannot
 * overflow. An empty axis has no maximum (max refuses it) and needs no shift.
 */
function shiftByMax(x: Tensor, axis: number): Tensor {
  if (x.shape[normalizeAxis('softmax', axis, x.rank)] === 0) return reshape(x, x.shape);
  return sub(x, stopGradient(max(x, axis, { keepDims: true })));
}

/**
 * Softmax along an axis (default last), shifted by the maximum for
 * stability. Composed from ops, so it has gradients of every order.
 *
 * @example
 * ```ts
 * softmax(tensor([1, 2, 3])).sum().item(); // 1
 * ```
 */
export const softmax = freeOnThrow(function softmax(x: Tensor, axis = -1): Tensor {
  normalizeAxis('softmax', axis, x.rank); // so a bad axis is reported as softmax's, not max's
  const e = exp(shiftByMax(x, axis));
  return div(e, sum(e, axis, { keepDims: true }));
});

/** log(softmax(x)) computed stably (log-sum-exp). */
export const logSoftmax = freeOnThrow(function logSoftmax(x: Tensor, axis = -1): Tensor {
  normalizeAxis('logSoftmax', axis, x.rank);
  const shifted = shiftByMax(x, axis);
  return sub(shifted, log(sum(exp(shifted), axis, { keepDims: true })));
});

/** log Σ exp(x) along axes, computed stably. */
export const logSumExp = freeOnThrow(function logSumExp(
  x: Tensor,
  axis: number | readonly number[] = -1,
  keepDims = false,
): Tensor {
  // An empty axis has no maximum to shift by; its sum of exponentials is 0 and the result −∞, as in PyTorch.
  const empty = normalizeAxes('logSumExp', axis, x.rank).some((a) => x.shape[a] === 0);
  const m = empty ? undefined : stopGradient(max(x, axis, { keepDims: true }));
  const total = log(sum(exp(m ? sub(x, m) : x), axis, { keepDims: true }));
  const lse = m ? add(total, m) : total;
  return keepDims ? lse : squeezeAxes(lse, axis);
});

function squeezeAxes(x: Tensor, axis: number | readonly number[]): Tensor {
  const axes = normalizeAxes('logSumExp', axis, x.rank);
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}
