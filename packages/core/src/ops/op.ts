import type { Backend } from '../backend/contract.js';
import type { TensorInfo } from '../backend/types.js';
import { getBackend } from '../backend/registry.js';
import { recordOp, isRecording, type BackwardFn } from '../autograd/tape.js';
import { ensureOnActiveBackend, makeTensor } from '../tensor/engine.js';
import { isProfiling, profiledCall } from '../tensor/profiler.js';
import type { Tensor } from '../tensor/tensor.js';
import { OutOfMemoryError } from '../util/errors.js';

/** What a kernel call sees of a tensor. */
export function info(t: Tensor): TensorInfo {
  return { dataId: t.storage.dataId, shape: t.shape, dtype: t.dtype };
}

/**
 * A backend knows which kernel ran out of memory but not which op called it:
 * the op's name replaces the backend's (the class and bytes stay).
 */
function underOpName(op: string, e: unknown): unknown {
  return e instanceof OutOfMemoryError && e.op !== op ? new OutOfMemoryError(op, e.bytes, e.where, e.detail, e) : e;
}

/**
 * Calls a kernel outside `runOp` (one with several outputs), reporting running
 * out of memory as `op`'s. `inputs` are what the kernel reads, for `profile`'s byte count.
 */
export function callKernel<T>(op: string, kernel: () => T, inputs: readonly TensorInfo[] = []): T {
  try {
    return isProfiling() ? profiledCall(op, inputs, kernel) : kernel();
  } catch (e) {
    throw underOpName(op, e);
  }
}

/**
 * Runs one kernel on the active backend and records its backward rule.
 * Every differentiable op in core goes through here: `forward` calls the
 * kernel, `backward` (built lazily, only when a tape records) expresses the
 * vector-Jacobian product with other ops. A backend that runs out of memory
 * is reported as an `OutOfMemoryError` naming this op.
 */
export function runOp(
  name: string,
  inputs: readonly Tensor[],
  forward: (backend: Backend, infos: TensorInfo[]) => TensorInfo,
  backward?: (dy: Tensor, needs: readonly boolean[], output: Tensor) => readonly (Tensor | null | undefined)[],
): Tensor {
  let backend: Backend | undefined;
  for (const t of inputs) backend = ensureOnActiveBackend(t, name);
  backend ??= getBackend();
  let result: TensorInfo;
  try {
    const infos = inputs.map(info);
    const b = backend;
    result = isProfiling() ? profiledCall(name, infos, () => forward(b, infos)) : forward(backend, infos);
  } catch (e) {
    throw underOpName(name, e);
  }
  const out = makeTensor(result, backend);
  if (backward && isRecording(inputs)) {
    const rule: BackwardFn = (dy, needs) => backward(dy, needs, out);
    recordOp(name, inputs, out, rule);
  }
  return out;
}
