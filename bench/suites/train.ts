/**
 * One SGD training step (forward, cross-entropy, gradients of every
 * parameter, update) on real models: gradstream's from @gradstream/models,
 * tfjs's the same architectures written in tfjs-core ops (bench/models).
 */
import * as gs from '@gradstream/core';
import { crossEntropy, type Module } from '@gradstream/core/nn';
import { sgd } from '@gradstream/core/optim';
import { lenet5, resnet18 } from '@gradstream/models';
import * as tf from '@tensorflow/tfjs-core';
import { isTorch, TORCH_THREADS, type ContenderId } from '../contenders.js';
import type { BenchCase, Runner } from '../harness.js';
import { forwardFlops } from '../flops.js';
import { COMPOSED_NOTE, composedConv, hasFilterGradKernel, nativeConv, type ConvFn } from '../tfjs-composed.js';
import { torchRunner } from '../torch-contender.js';
import { tfLenet5 } from '../models/tfjs-lenet.js';
import { tfResnet18 } from '../models/tfjs-resnet.js';
import type { TfModel } from '../models/tfjs-params.js';
import { type Suite, WASM_VS_TFJS_WASM, WASM_VS_TORCH } from './suite.js';

const LR = 0.01;
const CLASSES = 10;

interface Net {
  readonly id: string;
  readonly title: string;
  /** NCHW; tfjs gets the NHWC permutation. */
  readonly input: [number, number, number, number];
  readonly gs: () => Module;
  readonly tf: (conv: ConvFn) => TfModel;
}

const NETS: readonly Net[] = [
  {
    id: 'lenet5-step',
    title: 'LeNet-5 training step, batch 64',
    input: [64, 1, 28, 28],
    gs: () => lenet5({ seed: 0 }),
    tf: tfLenet5,
  },
  {
    id: 'resnet18-cifar-step',
    title: 'ResNet-18 (CIFAR) training step, batch 32',
    input: [32, 3, 32, 32],
    gs: () => resnet18({ variant: 'cifar', numClasses: CLASSES, seed: 0 }),
    tf: (conv) => tfResnet18(conv, { variant: 'cifar', numClasses: CLASSES, training: true }),
  },
];

const labels = (n: number) => Int32Array.from({ length: n }, (_, i) => (i * 7) % CLASSES);

function gsRunner(net: Net): Runner {
  const model = net.gs().train();
  const opt = sgd(model.parameters(), { lr: LR });
  const x = gs.randn(net.input);
  const y = gs.tensor(labels(net.input[0]), [net.input[0]], 'int32');
  return {
    run() {
      const loss = gs.tidy(() => {
        const { value, grads } = gs.variableGrads(() => crossEntropy(model.call(x), y), opt.params);
        opt.step(grads);
        return value;
      });
      loss.dataSync();
      loss.dispose();
    },
    dispose: () => {
      model.dispose();
      opt.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

function tfRunner(net: Net, contender: ContenderId): Runner {
  const composed = !hasFilterGradKernel(contender.slice(5));
  const model = net.tf(composed ? composedConv : nativeConv);
  const opt = tf.train.sgd(LR);
  const [n, c, h, w] = net.input;
  const x = tf.randomNormal([n, h, w, c]) as tf.Tensor4D;
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels(n), 'int32'), CLASSES), 'float32'));
  return {
    run() {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar,
          model.variables,
        );
        opt.applyGradients(grads);
        return value;
      });
      loss.dataSync();
      loss.dispose();
    },
    dispose: () => {
      tf.dispose([...model.variables, x, y]);
      opt.dispose();
    },
    ...(composed ? { note: COMPOSED_NOTE } : {}),
  };
}

async function trainCase(net: Net): Promise<BenchCase> {
  return {
    suite: 'train',
    id: net.id,
    group: net.title,
    name: 'step',
    // Backward is two convolutions' worth (input and filter gradients) per forward one.
    flops: 3 * (await forwardFlops(net.gs, net.input)),
    // tfjs-cpu's filter gradient alone would take many minutes on ResNet-18.
    capped: net.id === 'resnet18-cifar-step' ? ['tfjs-cpu'] : [],
    setup: (contender) =>
      isTorch(contender)
        ? torchRunner(TORCH_THREADS[contender], {
            kind: 'train',
            net: net.id === 'lenet5-step' ? 'lenet5' : 'resnet18-cifar',
            input: net.input,
            classes: CLASSES,
            lr: LR,
          })
        : contender.startsWith('gs-')
          ? gsRunner(net)
          : tfRunner(net, contender),
  };
}

/** Shows the error a tfjs-wasm user gets from a native training step. */
async function nativeStepProbe(): Promise<string[]> {
  if (hasFilterGradKernel('wasm')) return [];
  const prev = tf.getBackend();
  await tf.setBackend('wasm');
  let message = 'no error';
  const model = tfLenet5(nativeConv);
  try {
    tf.tidy(() => tf.variableGrads(() => tf.sum(model.forward(tf.ones([2, 28, 28, 1]))), model.variables));
  } catch (e) {
    message = (e as Error).message;
  }
  tf.dispose(model.variables);
  await tf.setBackend(prev);
  return [
    `tfjs-wasm cannot train a CNN as shipped ("${message}"); its column trains with the filter gradient computed as a conv2d of the transposed input with dy as the filter (tfjs-wasm's own XNNPACK convolution), marked "${COMPOSED_NOTE}".`,
  ];
}

export const trainSuite: Suite = {
  name: 'train',
  title: 'training step (forward + cross-entropy + gradients + SGD)',
  cases: () => Promise.all(NETS.map(trainCase)),
  preamble: nativeStepProbe,
  // Reference: the same architectures on tfjs-backend-wasm 4.22.0 in the same run, training through a
  // filter gradient written as its own conv2d (it ships none; bench/tfjs-composed.ts). Training is what
  // this backend is for, so the goal is a clear margin, 5×, over the way tfjs-wasm trains a CNN at all.
  // (Until 2026-12 that gradient was an im2col of slices and one matMul, about 10× slower on LeNet's layers;
  // the 5× was set against that one.)
  // Second reference (issue 18): PyTorch 1.13 on the CPU (oneDNN) at the same thread count, the engine
  // a user would otherwise pick. LeNet-5, where our step is all small kernels, should beat it outright and
  // gain from the second thread; on ResNet-18, PyTorch's wider vectors (AVX2 here: ATen's CPU capability is printed) against our 128-bit ones make
  // 0.3× the goal.
  targets: [
    {
      text: 'LeNet-5 step ≥ 5× tfjs-wasm (filter grad via conv2d)',
      key: 'train/lenet5-step',
      pairs: WASM_VS_TFJS_WASM,
      atLeast: 5,
    },
    { text: 'LeNet-5 step ≥ 1× torch (same threads)', key: 'train/lenet5-step', pairs: WASM_VS_TORCH, atLeast: 1 },
    {
      text: 'LeNet-5 step, 2 threads ≥ 1.7× 1 thread',
      key: 'train/lenet5-step',
      pairs: [['gs-wasm-2t', 'gs-wasm-1t']],
      atLeast: 1.7,
    },
    {
      text: 'ResNet-18 CIFAR step ≥ 5× tfjs-wasm (filter grad via conv2d)',
      key: 'train/resnet18-cifar-step',
      pairs: WASM_VS_TFJS_WASM,
      atLeast: 5,
    },
    {
      text: 'ResNet-18 CIFAR step ≥ 0.3× torch (same threads)',
      key: 'train/resnet18-cifar-step',
      pairs: WASM_VS_TORCH,
      atLeast: 0.3,
    },
    {
      kind: 'efficiency',
      text: 'ResNet-18 CIFAR step ≥ 85% of our matmul 1024³ GFLOP/s',
      key: 'train/resnet18-cifar-step',
      baseline: 'matmul/1024',
      contenders: ['gs-wasm-1t', 'gs-wasm-2t'],
      atLeast: 0.85,
    },
  ],
};
