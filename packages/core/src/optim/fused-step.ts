/**
 * The fusion rule for optimizer steps: a group's parameters stepped by the
 * backend's `optimizerStep` in one call, when the optimizer has a rule for
 * the group's hyperparameters and the backend has the kernel. The
 * optimizer's per-parameter `update`, composed of elementwise ops, stays the
 * reference and runs otherwise (about two kernels a parameter for SGD,
 * thirteen for Adam, each a call that costs more than its arithmetic on
 * small layers).
 */
import type { OptimizerStepRule } from '../backend/contract.js';
import { getBackend } from '../backend/registry.js';
import { ensureOnActiveBackend, makeTensor } from '../tensor/engine.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { callKernel, info } from '../ops/op.js';

/** One parameter of a fused step: its value, (cast) gradient, state in the rule's order (empty at first) and step. */
export interface FusedStepEntry {
  readonly param: Tensor;
  readonly grad: Tensor;
  readonly state: readonly Tensor[];
  readonly t: number;
}

/** Whether the fused kernel takes this entry: float32 tensors of one shape (the caller checks the backend has it). */
export function fusesOptimizerStep(entry: FusedStepEntry): boolean {
  const { param } = entry;
  return (
    [entry.grad, ...entry.state].every((t) => t.dtype === 'float32' && shapesEqual(t.shape, param.shape)) &&
    param.dtype === 'float32'
  );
}

/** Steps every entry through the active backend's optimizerStep; returns new values and complete state. */
export function fusedOptimizerStep(
  op: string,
  rule: OptimizerStepRule,
  entries: readonly FusedStepEntry[],
): { readonly param: Tensor; readonly state: readonly Tensor[] }[] {
  const backend = getBackend();
  for (const e of entries) for (const t of [e.param, e.grad, ...e.state]) ensureOnActiveBackend(t, op);
  const infos = entries.map((e) => ({ param: info(e.param), grad: info(e.grad), state: e.state.map(info), t: e.t }));
  const results = callKernel(
    op,
    () => backend.optimizerStep!(rule, infos),
    infos.flatMap((e) => [e.param, e.grad, ...e.state]),
  );
  return results.map((r) => ({
    param: makeTensor(r.param, backend),
    state: r.state.map((s) => makeTensor(s, backend)),
  }));
}
