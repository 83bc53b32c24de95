/**
 * Fusion rules: ops a backend may run as one fused kernel. Each rule keeps
 * the composition of contract kernels it replaces, which runs when the
 * backend has no fused kernel and is the reference the conformance kit
 * holds the fused kernel to.
 */
import type { Backend } from '../backend/contract.js';
import type { Shape, TensorInfo } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { shapesEqual, sizeOf } from '../tensor/shape.js';
import { gather, reshape } from './layout.js';
import { runOp } from './op.js';

/** relu's gradient dy·[x > 0] composed from contract kernels: greater, cast, mul. */
export function composedReluBackward(b: Backend, dy: TensorInfo, x: TensorInfo): TensorInfo {
  const zeroValues = x.dtype === 'float64' ? new Float64Array(1) : new Float32Array(1);
  const zero: TensorInfo = { dataId: b.write(zeroValues, [], x.dtype), shape: [], dtype: x.dtype };
  let mask: TensorInfo | undefined;
  let factor: TensorInfo | undefined;
  try {
    mask = b.binary('greater', x, zero);
    factor = b.cast(mask, dy.dtype);
    return b.binary('mul', dy, factor);
  } finally {
    b.disposeData(zero.dataId);
    if (mask) b.disposeData(mask.dataId);
    if (factor) b.disposeData(factor.dataId);
  }
}

/** Can relu's gradient of dy at x run as the fused op (same shape, same float dtype)? */
export function fusesReluBackward(dy: Tensor, x: Tensor): boolean {
  return dy.dtype === x.dtype && (x.dtype === 'float32' || x.dtype === 'float64') && shapesEqual(dy.shape, x.shape);
}

/**
 * relu's gradient dy·[x > 0] as one op: the backend's `reluBackward` kernel
 * when it has one, else the composition. Linear in dy, so its own gradient
 * is itself; x only selects, so it gets none.
 */
export function reluBackward(dy: Tensor, x: Tensor): Tensor {
  return runOp(
    'reluBackward',
    [dy, x],
    (b, [d, xi]) => (b.reluBackward ? b.reluBackward(d!, xi!) : composedReluBackward(b, d!, xi!)),
    (g, needs) => [needs[0] ? reluBackward(g, x) : null, null],
  );
}

/** Max pooling's gradient composed from the contract: scatterAdd of the flattened dy at the flat indices. */
export function composedMaxPoolBackward(b: Backend, dy: TensorInfo, indices: TensorInfo, xShape: Shape): TensorInfo {
  const flat = (t: TensorInfo): TensorInfo => ({ ...t, shape: [sizeOf(t.shape)] });
  const dx = b.scatterAdd(flat(dy), flat(indices), 0, sizeOf(xShape));
  return { ...dx, shape: xShape };
}

/**
 * Max pooling's gradient as one op: dy added at the flat `indices` maxPool
 * returned, into a zero tensor shaped `xShape`; the backend's
 * `maxPoolBackward` when it has one, else the scatterAdd. Linear in dy, so
 * its gradient gathers g at the indices; the indices get none.
 */
export function maxPoolBackward(dy: Tensor, indices: Tensor, xShape: Shape): Tensor {
  return runOp(
    'maxPoolBackward',
    [dy, indices],
    (b, [d, i]) => (b.maxPoolBackward ? b.maxPoolBackward(d!, i!, xShape) : composedMaxPoolBackward(b, d!, i!, xShape)),
    (g, needs) => [needs[0] ? reshape(gather(reshape(g, [-1]), reshape(indices, [-1]), 0), dy.shape) : null, null],
  );
}
