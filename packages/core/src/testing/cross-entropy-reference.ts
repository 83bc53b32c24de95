/**
 * Cross-entropy at class indices as plain float64 loops over host arrays: the
 * independent reference the conformance kit holds a backend's fused
 * softmaxCrossEntropy and softmaxCrossEntropyBackward kernels to, row by row.
 */
import type { Backend, SoftmaxCrossEntropyOptions } from '../backend/contract.js';
import type { TensorInfo } from '../backend/types.js';
import { readHost, writeHost } from './host-arrays.js';

/** The logits as float64 rows, their N and C, and the targets. */
function rows(b: Backend, logits: TensorInfo, targets: TensorInfo) {
  return { x: readHost(b, logits), n: logits.shape[0]!, c: logits.shape[1]!, t: b.readSync(targets.dataId, 'int32') };
}

const logSumExp = (x: Float64Array, at: number, c: number): number => {
  let m = -Infinity;
  for (let j = 0; j < c; j++) m = Math.max(m, x[at + j]!);
  let s = 0;
  for (let j = 0; j < c; j++) s += Math.exp(x[at + j]! - m);
  return m + Math.log(s);
};

/** The reference of Backend.softmaxCrossEntropy. */
export function referenceSoftmaxCrossEntropy(
  b: Backend,
  logits: TensorInfo,
  targets: TensorInfo,
  { ignoreIndex, scale, reduce }: SoftmaxCrossEntropyOptions,
): TensorInfo {
  const { x, n, c, t } = rows(b, logits, targets);
  const loss = new Float64Array(n);
  for (let i = 0; i < n; i++) if (t[i] !== ignoreIndex) loss[i] = logSumExp(x, i * c, c) - x[i * c + t[i]!]!;
  if (!reduce)
    return writeHost(
      b,
      loss.map((l) => l * scale),
      logits,
      [n],
    );
  return writeHost(b, Float64Array.of(scale * loss.reduce((p, q) => p + q, 0)), logits, []);
}

/** The reference of Backend.softmaxCrossEntropyBackward. */
export function referenceSoftmaxCrossEntropyBackward(
  b: Backend,
  dy: TensorInfo,
  logits: TensorInfo,
  targets: TensorInfo,
  { ignoreIndex, scale, reduce }: SoftmaxCrossEntropyOptions,
): TensorInfo {
  const { x, n, c, t } = rows(b, logits, targets);
  const g = b.readSync(dy.dataId, dy.dtype);
  const dx = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    if (t[i] === ignoreIndex) continue;
    const lse = logSumExp(x, i * c, c);
    const gi = (reduce ? g[0]! : g[i]!) * scale;
    for (let j = 0; j < c; j++) dx[i * c + j] = gi * (Math.exp(x[i * c + j]! - lse) - (j === t[i] ? 1 : 0));
  }
  return writeHost(b, dx, logits, logits.shape);
}
