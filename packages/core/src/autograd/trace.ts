import type { Tensor } from '../tensor/tensor.js';
import { popTape, pushTape, recycleTape, takeTape } from './tape.js';

/** One differentiable op application seen by `traceOps`: its name ('add', 'relu', 'reshape', 'concat', …), operands and result. */
export interface TracedOp {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
}

/**
 * Runs `fn`, recording every differentiable op applied to `watch` and to
 * whatever is computed from them, and hands the result and the ops (in the
 * order they ran) to `read` while the recorded tensors are still alive.
 * Graph exporters use it to see the functional ops a module's forward
 * applies between its layers; attributes are not recorded, only operands.
 *
 * @example
 * ```ts
 * const names = traceOps([x], () => relu(add(x, x)), (_, ops) => ops.map((o) => o.op)); // ['add', 'relu']
 * ```
 */
export function traceOps<R>(
  watch: readonly Tensor[],
  fn: () => Tensor,
  read: (output: Tensor, ops: readonly TracedOp[]) => R,
): R {
  const tape = takeTape();
  for (const t of watch) tape.watch(t);
  pushTape(tape);
  try {
    const output = fn();
    popTape(tape);
    return read(
      output,
      tape.nodes.map(({ op, inputs, output: out }) => ({ op, inputs, output: out })),
    );
  } finally {
    popTape(tape);
    recycleTape(tape);
  }
}
