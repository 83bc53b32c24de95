/**
 * Filling a tensor with random values: normal and uniform, generated on the
 * host (so every backend gets the same values for a seed) and uploaded.
 * Building a model is mostly this: VGG-11 initialises 132 M parameters.
 */
import * as gs from '@gradstream/core';
import * as tf from '@tensorflow/tfjs-core';
import { isTorch, TORCH_THREADS } from '../contenders.js';
import type { BenchCase } from '../harness.js';
import { torchRunner } from '../torch-contender.js';
import type { Suite } from './suite.js';

const N = 1 << 22;

type Dist = 'normal' | 'uniform';

function randomCase(dist: Dist): BenchCase {
  return {
    suite: 'random',
    id: dist,
    group: `random fill, float32, ${N.toLocaleString('en-US')} values (M values/s)`,
    name: dist === 'normal' ? 'randn N(0, 1)' : 'uniform U(-1, 1)',
    flops: N,
    unit: 'values',
    setup(contender) {
      if (isTorch(contender))
        return torchRunner(
          TORCH_THREADS[contender],
          dist === 'normal' ? { kind: 'randn', n: N } : { kind: 'rand', n: N, low: -1, high: 1 },
        );
      if (contender.startsWith('gs-'))
        return { run: () => (dist === 'normal' ? gs.randn([N]) : gs.uniform([N], -1, 1)).dispose(), dispose() {} };
      return {
        run: () => (dist === 'normal' ? tf.randomNormal([N]) : tf.randomUniform([N], -1, 1)).dispose(),
        dispose() {},
      };
    },
  };
}

export const randomSuite: Suite = {
  name: 'random',
  title: 'random fill (the tensor made and on the backend)',
  cases: () => [randomCase('normal'), randomCase('uniform')],
  // Reference: an absolute rate. At 100 M values/s VGG-11's 132 M parameters take about 1.3 s to draw
  // (they took about 20 s at 6.6 M values/s). PyTorch and tfjs are printed beside it for scale.
  targets: (['normal', 'uniform'] as const).map((dist) => ({
    kind: 'rate' as const,
    text: `random fill (${dist}) ≥ 100 M values/s`,
    key: `random/${dist}`,
    contenders: ['gs-wasm-1t', 'gs-cpu'] as const,
    atLeast: 100e6,
    unit: 'M values/s' as const,
  })),
};
