import type { Shape } from '@gradstream/core';
import { type FloatArray, allocateLike } from '../storage.js';
import { gemm } from './gemm.js';

/**
 * Batched matrix product of rank-3 operands (see the contract): a batch of 1
 * broadcasts, and transposes only change the strides the packing reads with.
 */
export function matmul(
  a: FloatArray,
  aShape: Shape,
  b: FloatArray,
  bShape: Shape,
  transposeA: boolean,
  transposeB: boolean,
): { values: FloatArray; shape: number[] } {
  const [batchA, a1, a2] = aShape as [number, number, number];
  const [batchB, b1, b2] = bShape as [number, number, number];
  const [m, k] = transposeA ? [a2, a1] : [a1, a2];
  const n = transposeB ? b1 : b2;
  const batch = Math.max(batchA, batchB);
  const out = allocateLike(a, batch * m * n);
  const aStep = batchA === 1 ? 0 : m * k;
  const bStep = batchB === 1 ? 0 : k * n;
  for (let i = 0; i < batch; i++) {
    gemm(
      m,
      n,
      k,
      { values: a, offset: i * aStep, rowStride: transposeA ? 1 : k, colStride: transposeA ? m : 1 },
      { values: b, offset: i * bStep, rowStride: transposeB ? 1 : n, colStride: transposeB ? k : 1 },
      out,
      i * m * n,
      n,
    );
  }
  return { values: out, shape: [batch, m, n] };
}
