import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import { globalRandom, noGrad, randn, setBackend, setSeed, tensor, variableGrads } from '@gradstream/core';
import { type Module, crossEntropy } from '@gradstream/core/nn';
import { adam } from '@gradstream/core/optim';
import {
  alexnet,
  encodeSafetensors,
  googlenet,
  lenet5,
  loadWeights,
  resnet18,
  saveWeights,
  vgg11,
} from '@gradstream/models';
import { maxRelativeError } from './onnx-helpers.js';
import { ensureTorch, readTensor, runTorch } from './torch-helpers.js';

/**
 * Real PyTorch (Debian's python3-torch under /usr/bin/python3) on both sides
 * of our safetensors files: torchvision models with random weights and
 * random batch-norm statistics load into our builders with their names
 * unchanged and give torchvision's logits; our trained LeNet-5 and ResNet-18
 * load into PyTorch with load_state_dict(strict=True) and give ours.
 */
const dir = mkdtempSync(join(tmpdir(), 'gradstream-torch-'));

beforeAll(async () => {
  ensureTorch();
  await setBackend('wasm');
}, 600_000);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await setBackend('cpu');
});

describe('torchvision state dicts in gradstream', () => {
  const builders: Readonly<Record<string, () => Module>> = {
    resnet18: () => resnet18(),
    vgg11_bn: () => vgg11({ batchNorm: true }),
    alexnet: () => alexnet(),
    googlenet: () => googlenet({ auxLogits: true }),
  };

  beforeAll(() => {
    console.log(runTorch('export', dir));
  }, 300_000);

  it.each(Object.keys(builders))(
    '%s: loaded unchanged, reproduces torchvision logits within 1e-4',
    (name) => {
      const model = builders[name]!();
      loadWeights(model, join(dir, `${name}.safetensors`));
      model.eval();
      const io = join(dir, `${name}.io.safetensors`);
      const logits = readTensor(io, 'logits').dataSync();
      const ours = noGrad(() => model.call(readTensor(io, 'input'))).dataSync();
      const err = maxRelativeError(ours, logits);
      console.log(`torchvision → gradstream ${name}: max relative error ${err.toExponential(2)}`);
      expect(err).toBeLessThan(1e-4);
      model.dispose();
    },
    240_000,
  );
});

describe('gradstream-trained weights in PyTorch', () => {
  /** A few Adam steps on random images and labels: weights and batch-norm statistics move off their initial values. */
  function train(model: Module, input: readonly number[], steps: number): void {
    const opt = adam(model.parameters(), { lr: 1e-3 });
    model.train();
    for (let i = 0; i < steps; i++) {
      const x = randn([4, ...input]);
      const y = tensor(
        Int32Array.from({ length: 4 }, () => Math.floor(globalRandom.next() * 10)),
        [4],
        'int32',
      );
      const { grads } = variableGrads(() => crossEntropy(model.call(x), y), model.parameters());
      opt.step(grads);
    }
    model.eval();
  }

  it('LeNet-5 and ResNet-18 load with strict=True and give our logits within 1e-4', () => {
    setSeed(7);
    const models: [string, Module, readonly number[]][] = [
      ['lenet5', lenet5(), [1, 28, 28]],
      ['resnet18', resnet18({ numClasses: 10 }), [3, 64, 64]],
    ];
    const ours = new Map<string, Float32Array>();
    for (const [name, model, input] of models) {
      train(model, input, 5);
      saveWeights(model, join(dir, `${name}.safetensors`));
      const x = randn([2, ...input]);
      const y = noGrad(() => model.call(x));
      ours.set(name, Float32Array.from(y.dataSync()));
      const raw = (t: typeof x) => ({
        dtype: 'float32' as const,
        shape: t.shape,
        data: Float32Array.from(t.dataSync()),
      });
      writeFileSync(join(dir, `${name}.io.safetensors`), encodeSafetensors(new Map([['input', raw(x)]])));
    }
    console.log(runTorch('import', dir));
    for (const [name] of models) {
      const theirs = readTensor(join(dir, `${name}.torch.safetensors`), 'logits').dataSync();
      const err = maxRelativeError(theirs, ours.get(name)!);
      console.log(`gradstream → PyTorch ${name}: max relative error ${err.toExponential(2)}`);
      expect(err).toBeLessThan(1e-4);
    }
  }, 240_000);
});
