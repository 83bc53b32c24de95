/**
 * Batch normalization as plain float64 loops over host arrays: the
 * independent reference the conformance kit holds a backend's fused
 * batchNormTraining, batchNormBackward and batchNormInference kernels to. Written for clarity,
 * one channel at a time, with nothing shared with core's composition.
 */
import type { Backend, BatchNormGradients, BatchNormTrainingResult } from '../backend/contract.js';
import type { TensorInfo } from '../backend/types.js';
import { sizeOf } from '../tensor/shape.js';
import { readHost, writeHost } from './host-arrays.js';

/** x read as float64 with its N×C×S view (S the product of the axes after the channel axis). */
function channels(b: Backend, x: TensorInfo): { values: Float64Array; n: number; c: number; s: number } {
  return {
    values: readHost(b, x),
    n: x.shape[0]!,
    c: x.shape[1]!,
    s: sizeOf(x.shape.slice(2)),
  };
}

function vector(b: Backend, t: TensorInfo | null, c: number, fill: number): Float64Array {
  return t ? readHost(b, t) : new Float64Array(c).fill(fill);
}

/** Index of element (i, ch, j) of an N×C×S tensor. */
const at = (c: number, s: number, i: number, ch: number, j: number): number => (i * c + ch) * s + j;

/** The reference of Backend.batchNormTraining. */
export function referenceBatchNormTraining(
  b: Backend,
  x: TensorInfo,
  weight: TensorInfo | null,
  bias: TensorInfo | null,
  eps: number,
): BatchNormTrainingResult {
  const { values, n, c, s } = channels(b, x);
  const w = vector(b, weight, c, 1);
  const beta = vector(b, bias, c, 0);
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  const y = new Float64Array(values.length);
  const count = n * s;
  for (let ch = 0; ch < c; ch++) {
    let total = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) total += values[at(c, s, i, ch, j)]!;
    const m = total / count;
    let squares = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) squares += (values[at(c, s, i, ch, j)]! - m) ** 2;
    const v = squares / count;
    const scale = w[ch]! / Math.sqrt(v + eps);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < s; j++) {
        const k = at(c, s, i, ch, j);
        y[k] = (values[k]! - m) * scale + beta[ch]!;
      }
    mean[ch] = m;
    variance[ch] = v;
  }
  return { y: writeHost(b, y, x, x.shape), mean: writeHost(b, mean, x, [c]), variance: writeHost(b, variance, x, [c]) };
}

/**
 * The reference of Backend.batchNormBackward: with x̂ = (x − mean)/σ and
 * σ = √(variance + eps), dBias = Σ dy, dWeight = Σ dy·x̂ and
 * dx = weight/σ · (dy − dBias/m − x̂·dWeight/m) over the m values per channel.
 */
export function referenceBatchNormBackward(
  b: Backend,
  dy: TensorInfo,
  x: TensorInfo,
  mean: TensorInfo,
  variance: TensorInfo,
  weight: TensorInfo | null,
  eps: number,
): BatchNormGradients {
  const { values, n, c, s } = channels(b, x);
  const g = Float64Array.from(b.readSync(dy.dataId, dy.dtype));
  const mu = vector(b, mean, c, 0);
  const v = vector(b, variance, c, 0);
  const w = vector(b, weight, c, 1);
  const dx = new Float64Array(values.length);
  const dWeight = new Float64Array(c);
  const dBias = new Float64Array(c);
  const count = n * s;
  for (let ch = 0; ch < c; ch++) {
    const sigma = Math.sqrt(v[ch]! + eps);
    const xhat = (k: number) => (values[k]! - mu[ch]!) / sigma;
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < s; j++) {
        const k = at(c, s, i, ch, j);
        sumDy += g[k]!;
        sumDyXhat += g[k]! * xhat(k);
      }
    for (let i = 0; i < n; i++)
      for (let j = 0; j < s; j++) {
        const k = at(c, s, i, ch, j);
        dx[k] = (w[ch]! / sigma) * (g[k]! - sumDy / count - (xhat(k) * sumDyXhat) / count);
      }
    dWeight[ch] = sumDyXhat;
    dBias[ch] = sumDy;
  }
  return {
    dx: writeHost(b, dx, x, x.shape),
    dWeight: writeHost(b, dWeight, x, [c]),
    dBias: writeHost(b, dBias, x, [c]),
  };
}

/** The reference of Backend.batchNormInference: y = (x − mean)·weight/√(variance + eps) + bias. */
export function referenceBatchNormInference(
  b: Backend,
  x: TensorInfo,
  mean: TensorInfo,
  variance: TensorInfo,
  weight: TensorInfo | null,
  bias: TensorInfo | null,
  eps: number,
): TensorInfo {
  const { values, n, c, s } = channels(b, x);
  const mu = vector(b, mean, c, 0);
  const v = vector(b, variance, c, 0);
  const w = vector(b, weight, c, 1);
  const beta = vector(b, bias, c, 0);
  const y = new Float64Array(values.length);
  for (let ch = 0; ch < c; ch++) {
    const scale = w[ch]! / Math.sqrt(v[ch]! + eps);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < s; j++) {
        const k = at(c, s, i, ch, j);
        y[k] = (values[k]! - mu[ch]!) * scale + beta[ch]!;
      }
  }
  return writeHost(b, y, x, x.shape);
}
