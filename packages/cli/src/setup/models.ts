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

/** The input a model is usually shown at when no dataset is named, and the dataset or size it stands for. */
export interface UsualInput extends ModelTarget {
  readonly label: string;
}

const IMAGENET: UsualInput = { imageShape: [3, 224, 224], numClasses: 1000, label: 'ImageNet size' };

/**
 * The input `name` was designed for: MNIST's 1×28×28 for LeNet-5, the 8×8
 * synthetic images for tiny, ImageNet's 3×224×224 and 1,000 classes for the
 * others (as torchvision builds them).
 */
export function usualInput(name: ModelName): UsualInput {
  if (name === 'lenet5') return { imageShape: [1, 28, 28], numClasses: 10, label: 'mnist' };
  if (name === 'tiny') return { imageShape: [1, 8, 8], numClasses: 2, label: 'xo' };
  return IMAGENET;
}

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
  const model = newModel(name, target, seed);
  const [c, h, w] = target.imageShape;
  try {
    checkFit(name, target, () => {
      const shape = noGrad(() => tidy(() => [...model.eval().call(zeros([1, c, h, w])).shape]));
      if (shape.length !== 2 || shape[1] !== target.numClasses) throw new Error(`output shape [${shape.join(', ')}]`);
    });
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    model.train();
  }
  return model;
}

/** Builds `name` for `target` without checking that it accepts the images (for callers whose own forward pass does). */
export function newModel(name: ModelName, target: ModelTarget, seed: number): Module {
  setSeed(seed);
  return BUILDERS[name](target);
}

/**
 * Runs `forward`, a forward pass of model `name` on `target`'s images, and
 * turns its failure into the usage error the user can act on.
 * @throws UsageError when it fails.
 */
export function checkFit<T>(name: ModelName, target: ModelTarget, forward: () => T): T {
  try {
    return forward();
  } catch (e) {
    const [c, h, w] = target.imageShape;
    throw new UsageError(
      `model '${name}' does not fit ${c}×${h}×${w} images with ${target.numClasses} classes (${firstLine(e)}); try --model tiny for small images`,
    );
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
