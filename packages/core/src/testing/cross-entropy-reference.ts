/**
 * Cross-entropy at class indices as plain float64 loops over host arrays: the
 * independent reference the conformance kit holds a backend's fused
 * softmaxCrossEntropy and softmaxCrossEntropyBackward kernels to, row by row.
 */
import type { Backend, SoftmaxCrossEntropyOptions } from '../backend/contract.js';
import type { TensorInfo } from '../backend/types.js';

function rows(b: Backend, logits: TensorInfo): { x: Float64Array; n: number; c: number } {
  return { x: Float64Array.from(b.readSync(logits.dataId, logits.dtype)), n: logits.shape[0]!, c: logits.shape[1]! };
}

const logSumExp = (x: Float64Array, at: number, c: number): number => {
  let m = -Infinity;
  for (let j = 0; j < c; j++) m = Math.max(m, x[at + j]!);
  let s = 0;
  for (let j = 0; j < c; j++) s += Math.exp(x[at + j]! - m);
  return m + Math.log(s);
};

function write(b: Backend, values: Float64Array, shape: readonly number[], like: TensorInfo): TensorInfo {
  const typed = like.dtype === 'float64' ? values : Float32Array.from(values);
  return { dataId: b.write(typed, shape, like.dtype), shape, dtype: like.dtype };
}

/** The reference of Backend.softmaxCrossEntropy. */
export function referenceSoftmaxCrossEntropy(
  b: Backend,
  logits: TensorInfo,
  targets: TensorInfo,
  { ignoreIndex, scale, reduce }: SoftmaxCrossEntropyOptions,
): TensorInfo {
  const { x, n, c } = rows(b, logits);
  const t = b.readSync(targets.dataId, 'int32');
  const loss = new Float64Array(n);
  for (let i = 0; i < n; i++) if (t[i] !== ignoreIndex) loss[i] = logSumExp(x, i * c, c) - x[i * c + t[i]!]!;
  if (!reduce)
    return write(
      b,
      loss.map((l) => l * scale),
      [n],
      logits,
    );
  return write(b, Float64Array.of(scale * loss.reduce((p, q) => p + q, 0)), [], logits);
}

/** The reference of Backend.softmaxCrossEntropyBackward. */
export function referenceSoftmaxCrossEntropyBackward(
  b: Backend,
  dy: TensorInfo,
  logits: TensorInfo,
  targets: TensorInfo,
  { ignoreIndex, scale, reduce }: SoftmaxCrossEntropyOptions,
): TensorInfo {
  const { x, n, c } = rows(b, logits);
  const t = b.readSync(targets.dataId, 'int32');
  const g = b.readSync(dy.dataId, dy.dtype);
  const dx = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    if (t[i] === ignoreIndex) continue;
    const lse = logSumExp(x, i * c, c);
    const gi = (reduce ? g[0]! : g[i]!) * scale;
    for (let j = 0; j < c; j++) dx[i * c + j] = gi * (Math.exp(x[i * c + j]! - lse) - (j === t[i] ? 1 : 0));
  }
  return write(b, dx, logits.shape, logits);
}
