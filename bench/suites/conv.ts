/**
 * The three conv kernels on three typical layers (LeNet's first, a CIFAR-size
 * 3×3, a ResNet stage-1 3×3), through the public ops. gradstream runs NCHW/OIHW, tfjs NHWC/HWIO; each builds its inputs in
 * its own layout before timing (the values are random, so no transpose).
 */
import * as gs from '@gradstream/core';
import * as tf from '@tensorflow/tfjs-core';
import { isTorch, TORCH_THREADS, type ContenderId } from '../contenders.js';
import type { BenchCase, Runner } from '../harness.js';
import { readOneGs, readOneTf } from '../force.js';
import { COMPOSED_NOTE, convFilterGrad, hasFilterGradKernel, nativeFilterGrad } from '../tfjs-composed.js';
import { torchRunner } from '../torch-contender.js';
import { type Suite, WASM_VS_TFJS_WASM } from './suite.js';

interface Layer {
  readonly id: string;
  readonly title: string;
  readonly n: number;
  readonly c: number;
  readonly hw: number;
  readonly o: number;
  readonly k: number;
  readonly pad: number;
}

const LAYERS: readonly Layer[] = [
  { id: 'lenet', title: 'LeNet conv1 64×1×28×28 → 6, 5×5 pad 2', n: 64, c: 1, hw: 28, o: 6, k: 5, pad: 2 },
  { id: 'cifar', title: 'CIFAR 64×32×32×32 → 64, 3×3 pad 1', n: 64, c: 32, hw: 32, o: 64, k: 3, pad: 1 },
  { id: 'resnet', title: 'ResNet 8×64×56×56 → 64, 3×3 pad 1', n: 8, c: 64, hw: 56, o: 64, k: 3, pad: 1 },
];

type Op = 'forward' | 'backprop-input' | 'backprop-filter';
const OPS: readonly Op[] = ['forward', 'backprop-input', 'backprop-filter'];

function gsRunner(l: Layer, op: Op): Runner {
  const g = {
    stride: [1, 1],
    dilation: [1, 1],
    padding: [
      [l.pad, l.pad],
      [l.pad, l.pad],
    ] as [number, number][],
    groups: 1,
  };
  const xShape = [l.n, l.c, l.hw, l.hw];
  const wShape = [l.o, l.c, l.k, l.k];
  const x = gs.randn(xShape);
  const w = gs.randn(wShape);
  const dy = gs.randn([l.n, l.o, l.hw, l.hw]);
  const work = {
    forward: () => gs.conv2d(x, w, { padding: l.pad }),
    'backprop-input': () => gs.convBackpropInput(dy, w, g, xShape),
    'backprop-filter': () => gs.convBackpropFilter(x, dy, g, wShape),
  }[op];
  return {
    run: () => gs.tidy(() => void readOneGs(work())),
    dispose: () =>
      [x, w, dy].forEach((t) => {
        t.dispose();
      }),
  };
}

function tfRunner(l: Layer, op: Op, contender: ContenderId): Runner {
  const xShape: [number, number, number, number] = [l.n, l.hw, l.hw, l.c];
  const wShape: [number, number, number, number] = [l.k, l.k, l.c, l.o];
  const x = tf.randomNormal(xShape) as tf.Tensor4D;
  const w = tf.randomNormal(wShape) as tf.Tensor4D;
  const dy = tf.randomNormal([l.n, l.hw, l.hw, l.o]) as tf.Tensor4D;
  const composed = op === 'backprop-filter' && !hasFilterGradKernel(contender.slice(5));
  const work = {
    forward: () => tf.conv2d(x, w, 1, l.pad),
    'backprop-input': () => tf.conv2dTranspose(dy, w, xShape, 1, l.pad),
    'backprop-filter': () => (composed ? convFilterGrad : nativeFilterGrad)(x, dy, wShape, 1, l.pad),
  }[op];
  return {
    run: () => tf.tidy(() => void readOneTf(work())),
    dispose: () => tf.dispose([x, w, dy]),
    ...(composed ? { note: COMPOSED_NOTE } : {}),
  };
}

function convCase(l: Layer, op: Op): BenchCase {
  return {
    suite: 'conv',
    id: `${l.id}-${op}`,
    group: l.title,
    name: op,
    flops: 2 * l.n * l.o * l.c * l.k * l.k * l.hw * l.hw,
    // tfjs-cpu's filter gradient is a scalar loop: minutes on the larger layers.
    capped: op === 'backprop-filter' ? ['tfjs-cpu'] : [],
    setup: (contender) =>
      isTorch(contender)
        ? torchRunner(TORCH_THREADS[contender], {
            kind: 'conv',
            n: l.n,
            c: l.c,
            hw: l.hw,
            o: l.o,
            k: l.k,
            pad: l.pad,
            op,
          })
        : contender.startsWith('gs-')
          ? gsRunner(l, op)
          : tfRunner(l, op, contender),
  };
}

/** Shows that tfjs-wasm really lacks the kernel, with the error a user gets. */
async function filterKernelProbe(): Promise<string[]> {
  const prev = tf.getBackend();
  await tf.setBackend('wasm');
  let message = 'no error';
  try {
    tf.tidy(() => nativeFilterGrad(tf.ones([1, 4, 4, 1]), tf.ones([1, 4, 4, 1]), [1, 1, 1, 1], 1, 0).dataSync());
  } catch (e) {
    message = (e as Error).message;
  }
  await tf.setBackend(prev);
  return hasFilterGradKernel('wasm')
    ? []
    : [
        `tfjs-wasm has no Conv2DBackpropFilter kernel ("${message}"); its backprop-filter rows compute the filter gradient as a conv2d of the transposed input with dy as the filter (tfjs-wasm's own XNNPACK convolution), marked "${COMPOSED_NOTE}".`,
      ];
}

export const convSuite: Suite = {
  name: 'conv',
  title: 'conv kernels (forward, backprop-input, backprop-filter)',
  cases: () => LAYERS.flatMap((l) => OPS.map((op) => convCase(l, op))),
  preamble: filterKernelProbe,
  // Reference: tfjs-backend-wasm 4.22.0, timed in the same run. The forward pass should at least match
  // it on the two layers where GEMM dominates. The backprop rows are printed without a target: tfjs-wasm
  // ships no filter-gradient kernel (its column is its conv2d on transposed tensors), and the step they serve is judged
  // as a whole in the train suite.
  targets: [
    { text: 'conv forward, CIFAR layer ≥ tfjs-wasm', key: 'conv/cifar-forward', pairs: WASM_VS_TFJS_WASM, atLeast: 1 },
    {
      text: 'conv forward, ResNet layer ≥ tfjs-wasm',
      key: 'conv/resnet-forward',
      pairs: WASM_VS_TFJS_WASM,
      atLeast: 1,
    },
  ],
};
