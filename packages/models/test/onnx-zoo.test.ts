import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import { noGrad, randn, setBackend, setSeed } from '@gradstream/core';
import type { Module } from '@gradstream/core/nn';
import { alexnet, exportOnnx, googlenet, lenet5, resnet18, resnet50, vgg11 } from '@gradstream/models';
import { maxRelativeError, randomizeBatchNorm, runOrt, session } from './onnx-helpers.js';

/**
 * Every zoo architecture at the input size it was designed for, exported
 * with random weights (and random batch-norm statistics), run in
 * onnxruntime-node at batch 2 (the export traced batch 1, so this also
 * checks the symbolic batch) and compared with our forward on the wasm
 * backend. onnxruntime is the independent reference: its kernels share no
 * code with ours. The figures go to stdout for the README.
 */
interface Case {
  readonly name: string;
  readonly build: () => Module;
  readonly input: readonly number[];
}

const IMAGENET = [3, 224, 224] as const;
const CASES: readonly Case[] = [
  { name: 'LeNet-5', build: () => lenet5(), input: [1, 28, 28] },
  {
    name: 'LeNet-5 (32×32, tanh, avg)',
    build: () => lenet5({ inputSize: 32, activation: 'tanh', pooling: 'avg' }),
    input: [1, 32, 32],
  },
  { name: 'AlexNet', build: () => alexnet(), input: IMAGENET },
  { name: 'VGG-11-BN', build: () => vgg11({ batchNorm: true }), input: IMAGENET },
  { name: 'GoogLeNet', build: () => googlenet(), input: IMAGENET },
  { name: 'ResNet-18', build: () => resnet18(), input: IMAGENET },
  { name: 'ResNet-50', build: () => resnet50(), input: IMAGENET },
];

describe('zoo models in onnxruntime', () => {
  beforeAll(async () => {
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s matches our forward at batch 2 within 1e-4',
    async (name, c) => {
      setSeed(16);
      const model = c.build();
      randomizeBatchNorm(model);
      model.eval();
      const bytes = exportOnnx(model, { inputShape: [1, ...c.input] });
      const x = randn([2, ...c.input]);
      const ours = noGrad(() => model.call(x)).dataSync();
      const theirs = await runOrt(await session(bytes), x);
      const err = maxRelativeError(ours, theirs);
      console.log(
        `onnxruntime ${name}: max relative error ${err.toExponential(2)} (${(bytes.length / 1e6).toFixed(1)} MB)`,
      );
      expect(err).toBeLessThan(1e-4);
      model.dispose();
    },
    240_000,
  );
});
