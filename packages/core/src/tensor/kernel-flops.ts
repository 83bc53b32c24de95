/**
 * Floating-point operations of one kernel call, from the shapes it saw, for
 * the kernels where the count is well defined: a multiply-add is two FLOPs,
 * an elementwise arithmetic op or a summed element is one. Kernels that move
 * data (transpose, pad, gather, …) or evaluate a function (exp, tanh) have
 * no count.
 */
import type { TensorInfo } from '../backend/types.js';
import { sizeOf } from './shape.js';

/** Elementwise kernels costing one FLOP per output element. */
const ONE_PER_OUTPUT = new Set([
  'add',
  'sub',
  'mul',
  'div',
  'maximum',
  'minimum',
  'neg',
  'square',
  'abs',
  'reluBackward',
]);

/** Multiply-adds of a convolution-like kernel: each element of `out` is a dot product over one filter row. */
function convFlops(out: TensorInfo, filter: TensorInfo): number {
  return (2 * sizeOf(out.shape) * sizeOf(filter.shape)) / filter.shape[0]!;
}

export function kernelFlops(
  kernel: string,
  inputs: readonly TensorInfo[],
  outputs: readonly TensorInfo[],
): number | undefined {
  const out = outputs[0];
  if (!out) return undefined;
  switch (kernel) {
    case 'matmul': {
      // a is [batch, M, K] or, transposed, [batch, K, M]; the output is [batch, M, N].
      const a = inputs[0]!.shape;
      const m = out.shape[out.shape.length - 2]!;
      const k = a[a.length - 2] === m ? a[a.length - 1]! : a[a.length - 2]!;
      return 2 * sizeOf(out.shape) * k;
    }
    case 'conv':
      return convFlops(out, inputs[1]!);
    case 'convBackpropInput':
      // dy (inputs[0]) against the filter: the same multiply-adds as the forward.
      return convFlops(inputs[0]!, inputs[1]!);
    case 'convBackpropFilter':
      return convFlops(inputs[1]!, out);
    case 'sum':
      return sizeOf(inputs[0]!.shape);
    default:
      return ONE_PER_OUTPUT.has(kernel) ? sizeOf(out.shape) : undefined;
  }
}
