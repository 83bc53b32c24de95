import { noGrad, setSeed, tidy, zeros } from '@gradstream/core';
import type { Module } from '@gradstream/core/nn';
import {
  alexnet,
  googlenet,
  lenet5,
  resnet101,
  resnet152,
  resnet18,
  resnet34,
  resnet50,
  vgg11,
  vgg13,
  vgg16,
  vgg19,
} from '@gradstream/models';
import type { ImageShape } from '@gradstream/datasets';
import { UsageError } from '../command-line/usage-error.js';
import { tinyCnn } from './tiny.js';

/** What a model is built for: the dataset's image shape and class count. */
export interface ModelTarget {
  readonly imageShape: ImageShape;
  readonly numClasses: number;
}

// Inputs up to this side get the CIFAR-style stems of VGG and ResNet (no early downsampling).
const SMALL_IMAGE = 64;

type Builder = (t: ModelTarget) => Module;

const small = (t: ModelTarget): 'cifar' | 'imagenet' =>
  Math.max(t.imageShape[1], t.imageShape[2]) <= SMALL_IMAGE ? 'cifar' : 'imagenet';
const common = (t: ModelTarget) => ({ numClasses: t.numClasses, inChannels: t.imageShape[0] });

const BUILDERS = {
  tiny: (t) => tinyCnn(t.imageShape, t.numClasses),
  lenet5: (t) => lenet5({ ...common(t), inputSize: t.imageShape[1] === 32 ? 32 : 28 }),
  alexnet: (t) => alexnet(common(t)),
  vgg11: (t) => vgg11({ ...common(t), variant: small(t) }),
  vgg13: (t) => vgg13({ ...common(t), variant: small(t) }),
  vgg16: (t) => vgg16({ ...common(t), variant: small(t) }),
  vgg19: (t) => vgg19({ ...common(t), variant: small(t) }),
  googlenet: (t) => googlenet(common(t)),
  resnet18: (t) => resnet18({ ...common(t), variant: small(t) }),
  resnet34: (t) => resnet34({ ...common(t), variant: small(t) }),
  resnet50: (t) => resnet50({ ...common(t), variant: small(t) }),
  resnet101: (t) => resnet101({ ...common(t), variant: small(t) }),
  resnet152: (t) => resnet152({ ...common(t), variant: small(t) }),
} satisfies Record<string, Builder>;

/** A model the CLI can build. */
export type ModelName = keyof typeof BUILDERS;

/** Every model name, in the order `--help` lists them. */
export const MODEL_NAMES = Object.keys(BUILDERS) as ModelName[];

/**
 * Builds `name` for `target` with weights drawn from core's generator seeded
 * with `seed`, and checks with one forward pass on zeros that the
 * architecture accepts the dataset's images (LeNet-5 cannot take 8×8, AlexNet
 * needs at least 63×63, …).
 * @throws UsageError when it does not.
 */
export function buildModel(name: ModelName, target: ModelTarget, seed: number): Module {
  setSeed(seed);
  const model = BUILDERS[name](target);
  const [c, h, w] = target.imageShape;
  try {
    const shape = noGrad(() => tidy(() => [...model.eval().call(zeros([1, c, h, w])).shape]));
    if (shape.length !== 2 || shape[1] !== target.numClasses) throw new Error(`output shape [${shape.join(', ')}]`);
  } catch (e) {
    model.dispose();
    throw new UsageError(
      `model '${name}' does not fit ${c}×${h}×${w} images with ${target.numClasses} classes (${firstLine(e)}); try --model tiny for small images`,
    );
  } finally {
    model.train();
  }
  return model;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
