import { type BatchNormGradients, type BatchNormTrainingResult, type TensorInfo, sizeOf } from '@gradstream/core';
import type { TensorStore } from '../tensor-store.js';
import { splitRange, threadsFor } from './parallel.js';

/** What one element weighs against threadsFor's multiply-add threshold: three streamed passes. */
const BATCH_NORM_FLOPS = 12;
/** The same for inference: one multiply-add per element. */
const INFERENCE_FLOPS = 2;

/** x as N×C×S (S the product of the axes after the channel axis), and the thread ranges of channels. */
function channelPlan(
  ts: TensorStore,
  x: TensorInfo,
  flopsPerElement = BATCH_NORM_FLOPS,
): { n: number; c: number; s: number; ranges: [number, number][] } {
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  const s = sizeOf(x.shape.slice(2));
  return { n, c, s, ranges: splitRange(c, threadsFor(n * c * s * flopsPerElement, ts.rt)) };
}

/** A per-channel vector's address, or 0 (the kernels' "absent"): heap blocks never start at 0. */
function optionalPtr(ts: TensorStore, t: TensorInfo | null): number {
  return t ? ts.ptr(t) : 0;
}

/** The contract's fused batchNormTraining on float32: threads take ranges of channels. */
export function batchNormTraining(
  ts: TensorStore,
  x: TensorInfo,
  weight: TensorInfo | null,
  bias: TensorInfo | null,
  eps: number,
): BatchNormTrainingResult {
  const { n, c, s, ranges } = channelPlan(ts, x);
  const y = ts.alloc(x.shape, 'float32');
  const mean = ts.alloc([c], 'float32');
  const variance = ts.alloc([c], 'float32');
  if (n * c * s === 0) return { y, mean, variance };
  const [xp, wp, bp] = [ts.ptr(x), optionalPtr(ts, weight), optionalPtr(ts, bias)];
  const [yp, mp, vp] = [ts.ptr(y), ts.ptr(mean), ts.ptr(variance)];
  ts.rt.parallel(
    'batchNormTraining',
    ranges.map(([c0, c1]) => ({ x: xp, weight: wp, bias: bp, y: yp, mean: mp, variance: vp, n, c, s, eps, c0, c1 })),
  );
  return { y, mean, variance };
}

/** The contract's fused batchNormBackward on float32: threads take ranges of channels. */
export function batchNormBackward(
  ts: TensorStore,
  dy: TensorInfo,
  x: TensorInfo,
  mean: TensorInfo,
  variance: TensorInfo,
  weight: TensorInfo | null,
  eps: number,
): BatchNormGradients {
  const { n, c, s, ranges } = channelPlan(ts, x);
  const dx = ts.alloc(x.shape, 'float32');
  const dWeight = ts.alloc([c], 'float32');
  const dBias = ts.alloc([c], 'float32');
  if (n * c * s === 0) return { dx, dWeight, dBias };
  const [dyp, xp, mp, vp, wp] = [ts.ptr(dy), ts.ptr(x), ts.ptr(mean), ts.ptr(variance), optionalPtr(ts, weight)];
  const [dxp, dwp, dbp] = [ts.ptr(dx), ts.ptr(dWeight), ts.ptr(dBias)];
  ts.rt.parallel(
    'batchNormBackward',
    ranges.map(([c0, c1]) => ({
      dy: dyp,
      x: xp,
      mean: mp,
      variance: vp,
      weight: wp,
      dx: dxp,
      dWeight: dwp,
      dBias: dbp,
      n,
      c,
      s,
      eps,
      c0,
      c1,
    })),
  );
  return { dx, dWeight, dBias };
}

/** The contract's fused batchNormInference on float32: threads take ranges of channels. */
export function batchNormInference(
  ts: TensorStore,
  x: TensorInfo,
  mean: TensorInfo,
  variance: TensorInfo,
  weight: TensorInfo | null,
  bias: TensorInfo | null,
  eps: number,
): TensorInfo {
  const { n, c, s, ranges } = channelPlan(ts, x, INFERENCE_FLOPS);
  const y = ts.alloc(x.shape, 'float32');
  if (n * c * s === 0) return y;
  const [xp, mp, vp, wp, bp, yp] = [
    ts.ptr(x),
    ts.ptr(mean),
    ts.ptr(variance),
    optionalPtr(ts, weight),
    optionalPtr(ts, bias),
    ts.ptr(y),
  ];
  ts.rt.parallel(
    'batchNormInference',
    ranges.map(([c0, c1]) => ({ x: xp, mean: mp, variance: vp, weight: wp, bias: bp, y: yp, n, c, s, eps, c0, c1 })),
  );
  return y;
}
