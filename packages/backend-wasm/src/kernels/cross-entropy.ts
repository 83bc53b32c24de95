import type { SoftmaxCrossEntropyOptions, TensorInfo } from '@gradstream/core';
import type { TensorStore } from '../tensor-store.js';

/** The arguments both kernels share: logits as N×C, the targets and how the rows are treated. */
function rowArgs(ts: TensorStore, logits: TensorInfo, targets: TensorInfo, how: SoftmaxCrossEntropyOptions) {
  const [n, c] = logits.shape as [number, number];
  const { ignoreIndex, scale } = how;
  return { x: ts.ptr(logits), t: ts.ptr(targets), n, c, ignoreIndex, scale, reduce: how.reduce ? 1 : 0 };
}

/** The contract's fused softmaxCrossEntropy on float32 N×C logits: one call, serial (N×C is small). */
export function softmaxCrossEntropy(
  ts: TensorStore,
  logits: TensorInfo,
  targets: TensorInfo,
  how: SoftmaxCrossEntropyOptions,
): TensorInfo {
  const y = ts.alloc(how.reduce ? [] : [logits.shape[0]!], 'float32');
  ts.rt.call('softmaxCrossEntropy32', { ...rowArgs(ts, logits, targets, how), y: ts.ptr(y) });
  return y;
}

/** Its gradient with respect to the logits. */
export function softmaxCrossEntropyBackward(
  ts: TensorStore,
  dy: TensorInfo,
  logits: TensorInfo,
  targets: TensorInfo,
  how: SoftmaxCrossEntropyOptions,
): TensorInfo {
  const dx = ts.alloc(logits.shape, 'float32');
  ts.rt.call('softmaxCrossEntropyBackward32', {
    ...rowArgs(ts, logits, targets, how),
    dy: ts.ptr(dy),
    dx: ts.ptr(dx),
  });
  return dx;
}
