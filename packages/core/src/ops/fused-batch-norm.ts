/**
 * Fusion rules for batch normalization. In training: one forward kernel and
 * one backward kernel instead of about a dozen elementwise passes and
 * reductions each way. In inference: one pass over x instead of two, and one
 * kernel call instead of about eight (most of them on [C] vectors, where the
 * call costs more than the arithmetic). The compositions in normalization.ts
 * stay the reference: they run on backends without the kernels; in training
 * the composition gives the gradient whenever that gradient is itself
 * recorded (a gradient of a gradient), since the fused backward kernel is
 * not differentiable; and by given statistics it runs whenever a tape
 * records, so the inference kernel needs no backward rule.
 */
import { isRecording, recordOp } from '../autograd/tape.js';
import { vjp } from '../autograd/grad.js';
import { getBackend } from '../backend/registry.js';
import { ensureOnActiveBackend, makeTensor } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { callKernel, info, runOp } from './op.js';

/** y of batch normalization with the batch's statistics, composed of differentiable ops. */
export type ComposedBatchNorm = (x: Tensor, weight: Tensor | undefined, bias: Tensor | undefined) => Tensor;

/** What the fused op gives: y on the tape, and the per-channel statistics ([C]) for the running averages. */
export interface FusedBatchNormResult {
  readonly y: Tensor;
  readonly mean: Tensor;
  readonly variance: Tensor;
}

/** Does the active backend have both kernels, for x (and the weight and bias, when given) of one float dtype? */
export function fusesBatchNorm(x: Tensor, weight: Tensor | undefined, bias: Tensor | undefined): boolean {
  const b = getBackend();
  if (!b.batchNormTraining || !b.batchNormBackward) return false;
  if (x.dtype !== 'float32' && x.dtype !== 'float64') return false;
  return (weight === undefined || weight.dtype === x.dtype) && (bias === undefined || bias.dtype === x.dtype);
}

/**
 * Batch normalization of N×C×… x with the batch's statistics through the
 * backend's fused kernels (check `fusesBatchNorm` first). The statistics
 * ride on the tape as inputs without gradients, so they live exactly as long
 * as the backward rule needs them; the caller frees its references.
 */
export function fusedBatchNormTraining(
  x: Tensor,
  weight: Tensor | undefined,
  bias: Tensor | undefined,
  eps: number,
  composed: ComposedBatchNorm,
): FusedBatchNormResult {
  const op = 'batchNorm';
  const backend = ensureOnActiveBackend(x, op);
  for (const t of [weight, bias]) if (t) ensureOnActiveBackend(t, op);
  const optional = (t: Tensor | undefined) => (t ? info(t) : null);
  // Inputs in this order: x, then the weight and the bias when given (then, on the tape, the two statistics).
  const differentiable = [x, ...[weight, bias].filter((t): t is Tensor => t !== undefined)];
  const r = callKernel(
    op,
    () => backend.batchNormTraining!(info(x), optional(weight), optional(bias), eps),
    differentiable.map(info),
  );
  const y = makeTensor(r.y, backend);
  const mean = makeTensor(r.mean, backend);
  const variance = makeTensor(r.variance, backend);
  if (isRecording(differentiable)) {
    recordOp(op, [...differentiable, mean, variance], y, (dy, needs) => {
      if (isRecording([dy, ...differentiable])) {
        const rebuild = (xs: Tensor[]): Tensor => {
          let k = 1;
          return composed(xs[0]!, weight ? xs[k++] : undefined, bias ? xs[k++] : undefined);
        };
        return [...vjp((...xs) => rebuild(xs), differentiable, dy), null, null];
      }
      const g = callKernel(
        'batchNormBackward',
        () => backend.batchNormBackward!(info(dy), info(x), info(mean), info(variance), optional(weight), eps),
        [info(dy), info(x), info(mean), info(variance), ...(weight ? [info(weight)] : [])],
      );
      const dx = makeTensor(g.dx, backend);
      const dWeight = makeTensor(g.dWeight, backend);
      const dBias = makeTensor(g.dBias, backend);
      const grads: (Tensor | null)[] = [needs[0] ? dx : null];
      if (weight) grads.push(needs[grads.length] ? dWeight : null);
      if (bias) grads.push(needs[grads.length] ? dBias : null);
      for (const t of [dx, dWeight, dBias]) if (!grads.includes(t)) t.dispose();
      return [...grads, null, null];
    });
  }
  return { y, mean, variance };
}

/**
 * Can batch normalization of x by given statistics run as the backend's
 * fused inference kernel: the backend has it, no tape records any of the
 * tensors, and the given per-channel vectors share x's float dtype?
 */
export function fusesBatchNormInference(x: Tensor, vectors: readonly (Tensor | undefined)[]): boolean {
  if (!getBackend().batchNormInference) return false;
  if (x.dtype !== 'float32' && x.dtype !== 'float64') return false;
  const given = vectors.filter((t): t is Tensor => t !== undefined);
  return given.every((t) => t.dtype === x.dtype) && !isRecording([x, ...given]);
}

/**
 * Batch normalization of N×C×… x by the given [C] statistics through the
 * backend's fused kernel (check `fusesBatchNormInference` first: nothing
 * records it, so it has no backward rule).
 */
export function fusedBatchNormInference(
  x: Tensor,
  mean: Tensor,
  variance: Tensor,
  weight: Tensor | undefined,
  bias: Tensor | undefined,
  eps: number,
): Tensor {
  const inputs = [x, mean, variance, ...[weight, bias].filter((t): t is Tensor => t !== undefined)];
  return runOp('batchNorm', inputs, (b, [xi, mi, vi, ...given]) => {
    let k = 0;
    const w = weight ? given[k++]! : null;
    const shift = bias ? given[k++]! : null;
    return b.batchNormInference!(xi!, mi!, vi!, w, shift, eps);
  });
}
