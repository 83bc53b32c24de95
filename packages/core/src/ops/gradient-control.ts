import { withoutRecording } from '../autograd/tape.js';
import { aliasTensor, ensureOnActiveBackend } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The same values, cut off from the tape: gradients do not flow through it.
 *
 * @example
 * ```ts
 * grad((x) => mul(x, stopGradient(x)))(x); // = x, not 2x
 * ```
 */
export function stopGradient(x: Tensor): Tensor {
  ensureOnActiveBackend(x, 'stopGradient');
  return aliasTensor(x, x.shape);
}

/**
 * Runs `fn` without recording anything for gradients (inference, metric
 * computation, optimizer updates).
 */
export function noGrad<T>(fn: () => T): T {
  return withoutRecording(fn);
}
