/** Square float32 matmul, the kernel every conv path ends in. */
import * as gs from '@gradstream/core';
import * as tf from '@tensorflow/tfjs-core';
import { isTorch, TORCH_THREADS } from '../contenders.js';
import type { BenchCase } from '../harness.js';
import { torchRunner } from '../torch-contender.js';
import { readOneGs, readOneTf } from '../force.js';
import type { Suite } from './suite.js';

function matmulCase(n: number): BenchCase {
  return {
    suite: 'matmul',
    id: `${n}`,
    group: 'float32 A·B, square',
    name: `${n}³`,
    flops: 2 * n * n * n,
    setup(contender) {
      if (isTorch(contender)) return torchRunner(TORCH_THREADS[contender], { kind: 'matmul', n });
      if (contender.startsWith('gs-')) {
        const a = gs.randn([n, n]);
        const b = gs.randn([n, n]);
        return {
          run: () => gs.tidy(() => void readOneGs(gs.matmul(a, b))),
          dispose: () => {
            a.dispose();
            b.dispose();
          },
        };
      }
      const a = tf.randomNormal([n, n]);
      const b = tf.randomNormal([n, n]);
      return {
        run: () => tf.tidy(() => void readOneTf(tf.matMul(a, b))),
        dispose: () => {
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

export const matmulSuite: Suite = {
  name: 'matmul',
  title: 'matmul',
  cases: () => [256, 512, 1024].map(matmulCase),
  // Reference: tfjs-backend-wasm 4.22.0 (XNNPACK, single-threaded in Node), timed in the same run.
  // One thread should at least match it; two should scale almost linearly on two cores (≥ 1.8×),
  // judged against tfjs-wasm and, stricter, against our own single thread.
  targets: [
    {
      text: 'matmul 1024³, 1 thread ≥ tfjs-wasm',
      key: 'matmul/1024',
      pairs: [['gs-wasm-1t', 'tfjs-wasm']],
      atLeast: 1,
    },
    {
      text: 'matmul 1024³, 2 threads ≥ 1.8× tfjs-wasm',
      key: 'matmul/1024',
      pairs: [['gs-wasm-2t', 'tfjs-wasm']],
      atLeast: 1.8,
    },
    {
      text: 'matmul 1024³, 2 threads ≥ 1.8× 1 thread (strict)',
      key: 'matmul/1024',
      pairs: [['gs-wasm-2t', 'gs-wasm-1t']],
      atLeast: 1.8,
    },
  ],
};
