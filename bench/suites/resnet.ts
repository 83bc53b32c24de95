/** ResNet-18 inference on one 224×224 image (torchvision's ImageNet layout). */
import * as gs from '@gradstream/core';
import { resnet18 } from '@gradstream/models';
import * as tf from '@tensorflow/tfjs-core';
import { isTorch, TORCH_THREADS } from '../contenders.js';
import type { BenchCase, Runner } from '../harness.js';
import { torchRunner } from '../torch-contender.js';
import { forwardFlops } from '../flops.js';
import { readOneGs, readOneTf } from '../force.js';
import { nativeConv } from '../tfjs-composed.js';
import { tfResnet18 } from '../models/tfjs-resnet.js';
import { type Suite, WASM_VS_TORCH } from './suite.js';

const INPUT = [1, 3, 224, 224];
const build = () => resnet18({ seed: 0 }).eval();

function gsRunner(): Runner {
  const model = build();
  const x = gs.randn(INPUT);
  return {
    run: () => gs.tidy(() => void readOneGs(model.call(x))),
    dispose: () => {
      model.dispose();
      x.dispose();
    },
  };
}

function tfRunner(): Runner {
  const model = tfResnet18(nativeConv, { variant: 'imagenet', numClasses: 1000, training: false });
  const x = tf.randomNormal([1, 224, 224, 3]) as tf.Tensor4D;
  return {
    run: () => tf.tidy(() => void readOneTf(model.forward(x))),
    dispose: () => tf.dispose([...model.variables, x]),
  };
}

async function forwardCase(): Promise<BenchCase> {
  return {
    suite: 'resnet',
    id: 'resnet18-224-forward',
    group: 'ResNet-18 224×224 forward (inference), batch 1',
    name: 'forward',
    flops: await forwardFlops(build, INPUT),
    setup: (contender) =>
      isTorch(contender)
        ? torchRunner(TORCH_THREADS[contender], { kind: 'forward', variant: 'imagenet', input: INPUT, classes: 1000 })
        : contender.startsWith('gs-')
          ? gsRunner()
          : tfRunner(),
  };
}

export const resnetSuite: Suite = {
  name: 'resnet',
  title: 'ResNet-18 224×224 inference',
  cases: async () => [await forwardCase()],
  // Reference: the same ResNet-18 written in tfjs-core ops (bench/models) on tfjs-backend-wasm 4.22.0, same run.
  // tfjs-wasm runs one thread in Node, so with two threads the goal is twice its speed.
  targets: [
    {
      text: 'ResNet-18 224 forward, 2 threads ≥ 2× tfjs-wasm',
      key: 'resnet/resnet18-224-forward',
      pairs: [['gs-wasm-2t', 'tfjs-wasm']],
      atLeast: 2,
    },
    // PyTorch 1.13 (oneDNN, 512-bit vectors here) at the same thread count, under torch.no_grad().
    {
      text: 'ResNet-18 224 forward ≥ 0.3× torch (same threads)',
      key: 'resnet/resnet18-224-forward',
      pairs: WASM_VS_TORCH,
      atLeast: 0.3,
    },
    {
      kind: 'efficiency',
      text: 'ResNet-18 224 forward ≥ 85% of our matmul 1024³ GFLOP/s',
      key: 'resnet/resnet18-224-forward',
      baseline: 'matmul/1024',
      contenders: ['gs-wasm-1t', 'gs-wasm-2t'],
      atLeast: 0.85,
    },
  ],
};
