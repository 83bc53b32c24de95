import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import { getBackendName, noGrad, setBackend, setSeed, randn, tensor, tidy } from '@gradstream/core';
import type { Module } from '@gradstream/core/nn';
import { alexnet, googlenet, lenet5, resnet18, resnet50, vgg11 } from '@gradstream/models';
import { expectTrains } from './model-helpers.js';

/**
 * Every architecture family at the input size it was designed for, on the
 * wasm backend: forward at batch 1 in eval mode, then forward and backward at
 * batch 2 in training mode. The cpu tests run every builder on smaller inputs
 * (adaptive pooling makes that legal); here the full-size geometry (224×224
 * strides, padding and pooling chains) runs on the fast backend. VGG-13/16/19
 * and ResNet-34/101/152 repeat the blocks of VGG-11 and ResNet-18/50 at more
 * depth; building their 100M+ parameters on every CI run would cost a minute
 * and show nothing the shallower members do not.
 */
interface Case {
  readonly name: string;
  readonly build: () => Module;
  readonly input: readonly [number, number, number];
  readonly classes: number;
}

const IMAGENET = [3, 224, 224] as const;
const CASES: readonly Case[] = [
  { name: 'lenet5', build: () => lenet5(), input: [1, 28, 28], classes: 10 },
  {
    name: 'lenet5 (32×32, tanh, avg)',
    build: () => lenet5({ inputSize: 32, activation: 'tanh', pooling: 'avg' }),
    input: [1, 32, 32],
    classes: 10,
  },
  { name: 'alexnet', build: () => alexnet(), input: IMAGENET, classes: 1000 },
  { name: 'vgg11', build: () => vgg11(), input: IMAGENET, classes: 1000 },
  {
    name: 'vgg11 (cifar, batch norm)',
    build: () => vgg11({ variant: 'cifar', batchNorm: true, numClasses: 10 }),
    input: [3, 32, 32],
    classes: 10,
  },
  { name: 'googlenet', build: () => googlenet(), input: IMAGENET, classes: 1000 },
  { name: 'resnet18', build: () => resnet18(), input: IMAGENET, classes: 1000 },
  { name: 'resnet50', build: () => resnet50(), input: IMAGENET, classes: 1000 },
  {
    name: 'resnet18 (cifar)',
    build: () => resnet18({ variant: 'cifar', numClasses: 10 }),
    input: [3, 32, 32],
    classes: 10,
  },
];

describe('every model on wasm at its own input size', () => {
  beforeAll(async () => {
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it.each(CASES)('$name: forward at batch 1, forward and backward at batch 2', ({ build, input, classes }) => {
    expect(getBackendName()).toBe('wasm');
    using model = build();
    model.eval();
    const logits = noGrad(() =>
      tidy(() => {
        const y = model.call(randn([1, ...input]));
        return { shape: y.shape, values: Array.from(y.dataSync()) };
      }),
    );
    expect(logits.shape).toEqual([1, classes]);
    expect(logits.values.every(Number.isFinite)).toBe(true);
    model.train();
    expectTrains(model, [2, ...input], [2, classes]);
  });
});

describe('the same seed gives the same model and the same outputs on cpu and wasm', () => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  async function logitsOn(backend: string, build: () => Module, input: readonly number[]): Promise<Float32Array> {
    await setBackend(backend);
    setSeed(11);
    const x = Float32Array.from(randn(input).dataSync());
    using model = build();
    model.eval();
    return noGrad(() => tidy(() => Float32Array.from(model.call(tensor(x, input)).dataSync())));
  }

  it.each([
    { name: 'lenet5', build: () => lenet5({ seed: 3 }), input: [4, 1, 28, 28] },
    {
      name: 'resnet18 (cifar)',
      build: () => resnet18({ variant: 'cifar', numClasses: 10, seed: 3 }),
      input: [2, 3, 32, 32],
    },
    { name: 'googlenet', build: () => googlenet({ numClasses: 10, seed: 3 }), input: [1, 3, 64, 64] },
  ])('$name', async ({ build, input }) => {
    const cpu = await logitsOn('cpu', build, input);
    const wasm = await logitsOn('wasm', build, input);
    expect(wasm.length).toBe(cpu.length);
    const scale = Math.max(...cpu.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    for (let i = 0; i < cpu.length; i++) expect(Math.abs(wasm[i]! - cpu[i]!)).toBeLessThan(1e-4 * scale + 1e-5);
  });
});
