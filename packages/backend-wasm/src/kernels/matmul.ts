import type { TensorInfo } from '@gradstream/core';
import type { KernelArgs } from '../runtime/kernel-exports.js';
import type { TensorStore } from '../tensor-store.js';
import { splitRange, threadsFor } from './parallel.js';

/** Micro-kernel tile (assembly/gemm.ts): thread splits fall on tile boundaries. */
const MR = 4;
const NR = 8;

/**
 * Batched matmul of rank-3 operands with optional transposes and batch
 * broadcasting. Threads split the batch when it is large enough, otherwise
 * the longer of M and N.
 */
export function matmul(
  ts: TensorStore,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  const [ba, a1, a2] = a.shape as [number, number, number];
  const [bb, b1, b2] = b.shape as [number, number, number];
  const [M, K] = transposeA ? [a2, a1] : [a1, a2];
  const N = transposeB ? b1 : b2;
  const batch = Math.max(ba, bb);
  const c = ts.alloc([batch, M, N], 'float32');
  if (batch * M * N === 0) return c;
  const { rt } = ts;
  const [ars, acs] = transposeA ? [1, M] : [K, 1];
  const [brs, bcs] = transposeB ? [1, K] : [N, 1];
  const aBatch = ba === 1 ? 0 : M * K;
  const bBatch = bb === 1 ? 0 : K * N;
  const threads = threadsFor(2 * batch * M * N * K, rt);
  const scratchBytes = rt.call('gemmScratchBytes', {});
  type Range = readonly [number, number];
  const job = (t: number, [b0, b1_]: Range, [m0, m1]: Range, [n0, n1]: Range): KernelArgs<'matmul'> => ({
    a: ts.ptr(a),
    aBatch,
    ars,
    acs,
    b: ts.ptr(b),
    bBatch,
    brs,
    bcs,
    c: ts.ptr(c),
    M,
    N,
    K,
    b0,
    b1: b1_,
    m0,
    m1,
    n0,
    n1,
    scratch: rt.scratchFor(t, scratchBytes),
  });
  let jobs: KernelArgs<'matmul'>[];
  if (batch >= threads) {
    jobs = splitRange(batch, threads).map((r, t) => job(t, r, [0, M], [0, N]));
  } else if (M >= N) {
    jobs = splitRange(M, threads, MR).map((r, t) => job(t, [0, batch], r, [0, N]));
  } else {
    jobs = splitRange(N, threads, NR).map((r, t) => job(t, [0, batch], [0, M], r));
  }
  rt.parallel('matmul', jobs);
  return c;
}
