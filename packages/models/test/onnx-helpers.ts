import { type Tensor, noGrad, randn, uniform } from '@gradstream/core';
import { BatchNorm1d, BatchNorm2d, type Module, assignParameter } from '@gradstream/core/nn';
import * as ort from 'onnxruntime-node';

/**
 * Session options for every check: full graph optimization and strict shape
 * and type inference, so a model whose declared shapes or types disagree with
 * what its nodes compute fails to load (onnx.checker-level validity).
 */
export const STRICT: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  executionProviders: ['cpu'],
  extra: { session: { strict_shape_type_inference: '1' } },
};

/** Loads exported bytes into onnxruntime-node with STRICT options. */
export function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, STRICT);
}

/** Runs the session on `x` (float32) and returns its single output. */
export async function runOrt(s: ort.InferenceSession, x: Tensor): Promise<Float32Array> {
  const feeds = { [s.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(x.dataSync()), [...x.shape]) };
  const out = await s.run(feeds);
  return out[s.outputNames[0]!]!.data as Float32Array;
}

/**
 * Random batch-norm parameters and running statistics, so eval-mode
 * BatchNormalization is not the identity it is at initialization.
 */
export function randomizeBatchNorm(model: Module): void {
  noGrad(() => {
    for (const [, m] of model.namedModules()) {
      if (!(m instanceof BatchNorm1d || m instanceof BatchNorm2d)) continue;
      const c = m.numFeatures;
      if (m.weight) assignParameter(m.weight, uniform([c], 0.5, 1.5));
      if (m.bias) assignParameter(m.bias, randn([c], 0, 0.1));
      if (m.runningMean) assignParameter(m.runningMean, randn([c], 0, 0.1));
      if (m.runningVar) assignParameter(m.runningVar, uniform([c], 0.5, 1.5));
    }
  });
}

/** max |a − b| / max |b|: the error relative to the output's scale (elementwise ratios blow up near zero). */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}
