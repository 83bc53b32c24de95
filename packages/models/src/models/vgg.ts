import { checkOptions, flatten, type Tensor } from '@gradstream/core';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
} from '@gradstream/core/nn';
import { initEach, initKaimingFanOut, initNormal } from './init.js';
import { MODEL_OPTIONS, built, type ModelOptions } from './options.js';

const VGG_OPTIONS = ['batchNorm', 'variant'] as const;

/** Options of the VGG builders. */
export interface VggOptions extends ModelOptions {
  /** Conv → BatchNorm → ReLU instead of conv → ReLU (torchvision's `vgg16_bn`). */
  readonly batchNorm?: boolean;
  /**
   * 'imagenet' (default): torchvision's 7×7×512 → 4096 → 4096 head.
   * 'cifar': for 32×32 and 28×28 inputs, which the five pools reduce to
   * 1×1×512; a 512 → 512 → 512 head with the same layer indices, and pools
   * in ceil mode so 28×28 does not vanish (it makes no difference at 32×32).
   */
  readonly variant?: 'imagenet' | 'cifar';
}

type Stage = number | 'M';

/** torchvision's configurations A, B, D and E: channels per conv, 'M' for a 2×2 max pool. */
const CONFIGS: Record<11 | 13 | 16 | 19, readonly Stage[]> = {
  11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

function features(config: readonly Stage[], inChannels: number, batchNorm: boolean, ceilMode: boolean): Sequential {
  const layers: Module[] = [];
  let channels = inChannels;
  for (const stage of config) {
    if (stage === 'M') {
      layers.push(new MaxPool2d(2, { stride: 2, ceilMode }));
      continue;
    }
    layers.push(new Conv2d(channels, stage, 3, { padding: 1 }));
    if (batchNorm) layers.push(new BatchNorm2d(stage));
    layers.push(new ReLU());
    channels = stage;
  }
  return new Sequential(layers);
}

/**
 * VGG as torchvision builds it: `features`, `avgpool`, `classifier`.
 * @example `new VGG(16, { batchNorm: true })` (as `vgg16({ batchNorm: true })` without seeding)
 */
export class VGG extends Module {
  readonly features: Sequential;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly classifier: Sequential;

  constructor(depth: 11 | 13 | 16 | 19, options: VggOptions = {}) {
    super();
    checkOptions('VGG', options, [...MODEL_OPTIONS, ...VGG_OPTIONS]);
    const cifar = options.variant === 'cifar';
    const pooled = cifar ? 1 : 7;
    const hidden = cifar ? 512 : 4096;
    this.features = this.addModule(
      'features',
      features(CONFIGS[depth], options.inChannels ?? 3, options.batchNorm ?? false, cifar),
    );
    this.avgpool = this.addModule('avgpool', new AdaptiveAvgPool2d([pooled, pooled]));
    this.classifier = this.addModule(
      'classifier',
      new Sequential([
        new Linear(512 * pooled * pooled, hidden),
        new ReLU(),
        new Dropout(0.5),
        new Linear(hidden, hidden),
        new ReLU(),
        new Dropout(0.5),
        new Linear(hidden, options.numClasses ?? 1000),
      ]),
    );
    initEach(this, Conv2d, initKaimingFanOut);
    initEach(this, Linear, (fc) => initNormal(fc, 0.01));
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(flatten(this.avgpool.call(this.features.call(x)), 1));
  }
}

function vgg(depth: 11 | 13 | 16 | 19, options: VggOptions): VGG {
  return built(`vgg${depth}`, options, VGG_OPTIONS, () => new VGG(depth, options));
}

/**
 * VGG-11 (configuration A; Simonyan & Zisserman 2014), torchvision names and
 * initialization; 132,863,336 parameters (132,868,840 with batch norm).
 *
 * @example
 * ```ts
 * const model = vgg11({ batchNorm: true, variant: 'cifar', numClasses: 10 });
 * model.call(zeros([8, 3, 32, 32])).shape; // [8, 10]
 * ```
 */
export function vgg11(options: VggOptions = {}): VGG {
  return vgg(11, options);
}

/**
 * VGG-13 (configuration B), torchvision names and initialization; 133,047,848 parameters.
 *
 * @example
 * ```ts
 * const model = vgg13({ seed: 3 });
 * ```
 */
export function vgg13(options: VggOptions = {}): VGG {
  return vgg(13, options);
}

/**
 * VGG-16 (configuration D), torchvision names and initialization;
 * 138,357,544 parameters (138,365,992 with batch norm).
 *
 * @example
 * ```ts
 * const model = vgg16({ batchNorm: true });
 * loadWeights(model, 'vgg16_bn.safetensors');
 * ```
 */
export function vgg16(options: VggOptions = {}): VGG {
  return vgg(16, options);
}

/**
 * VGG-19 (configuration E), torchvision names and initialization; 143,667,240 parameters.
 *
 * @example
 * ```ts
 * const model = vgg19({ variant: 'cifar', numClasses: 100 });
 * ```
 */
export function vgg19(options: VggOptions = {}): VGG {
  return vgg(19, options);
}
