/**
 * The fusion rule for cross-entropy at class indices: N×C logits, no class
 * weights, no label smoothing. The loss and its gradient are one kernel call
 * each instead of about fifteen and twelve on [N×C] and [N] tensors, where
 * every call costs more than its arithmetic. The composition in nn/loss.ts
 * stays the reference: it runs on backends without the kernels and gives
 * the gradient whenever that gradient is itself recorded (a gradient of a
 * gradient), since the backward kernel is not differentiable.
 */
import { isRecording } from '../autograd/tape.js';
import { vjp } from '../autograd/grad.js';
import type { SoftmaxCrossEntropyOptions } from '../backend/contract.js';
import { getBackend } from '../backend/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { runOp } from './op.js';

/** Can the active backend run this cross-entropy as its fused pair? */
export function fusesSoftmaxCrossEntropy(logits: Tensor, targets: Tensor): boolean {
  const b = getBackend();
  if (!b.softmaxCrossEntropy || !b.softmaxCrossEntropyBackward) return false;
  return logits.rank === 2 && (logits.dtype === 'float32' || logits.dtype === 'float64') && targets.dtype === 'int32';
}

/**
 * Cross-entropy of N×C logits at int32 targets [N] through the backend's
 * fused kernels (check `fusesSoftmaxCrossEntropy` first): scale·Σ of the
 * per-row losses when `how.reduce`, else their [N] vector times scale.
 * `composed(logits)` is the same loss composed of differentiable ops.
 */
export function fusedSoftmaxCrossEntropy(
  logits: Tensor,
  targets: Tensor,
  how: SoftmaxCrossEntropyOptions,
  composed: (logits: Tensor) => Tensor,
): Tensor {
  return runOp(
    'crossEntropy',
    [logits, targets],
    (b, [x, t]) => b.softmaxCrossEntropy!(x!, t!, how),
    (dy, needs) => {
      if (!needs[0]) return [null, null];
      if (isRecording([dy, logits])) return [vjp(composed, [logits], dy)[0]!, null];
      const dx = runOp('crossEntropy', [dy, logits, targets], (b, [g, x, t]) =>
        b.softmaxCrossEntropyBackward!(g!, x!, t!, how),
      );
      return [dx, null];
    },
  );
}
