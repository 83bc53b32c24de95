import { checkOptions, flatten, type Tensor } from '@gradstream/core';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
} from '@gradstream/core/nn';
import { BasicBlock, Bottleneck, downsample, type BlockType } from './resnet-blocks.js';
import { initEach, initKaimingFanOut } from './init.js';
import { MODEL_OPTIONS, built, type ModelOptions } from './options.js';

/** Options of the ResNet builders. */
export interface ResNetOptions extends ModelOptions {
  /**
   * 'imagenet' (default): torchvision's 7×7 stride-2 stem and 3×3 max pool.
   * 'cifar': a 3×3 stride-1 stem and no max pool, for 32×32 and 28×28
   * inputs (He et al.'s CIFAR recipe applied to the ImageNet block layout).
   */
  readonly variant?: 'imagenet' | 'cifar';
}

/**
 * ResNet as torchvision builds it: `conv1`, `bn1`, `relu`, `maxpool`, `layer1`…`layer4`, `avgpool`, `fc`.
 * @example `new ResNet(Bottleneck, [3, 4, 6, 3], { numClasses: 10 })` (ResNet-50; other depths by block counts)
 */
export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly maxpool: MaxPool2d | undefined;
  readonly layers: readonly Sequential[];
  readonly avgpool: AdaptiveAvgPool2d;
  readonly fc: Linear;

  constructor(block: BlockType, depths: readonly [number, number, number, number], options: ResNetOptions = {}) {
    super();
    checkOptions('ResNet', options, [...MODEL_OPTIONS, 'variant']);
    const cifar = options.variant === 'cifar';
    const inChannels = options.inChannels ?? 3;
    this.conv1 = this.addModule(
      'conv1',
      cifar
        ? new Conv2d(inChannels, 64, 3, { padding: 1, bias: false })
        : new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3, bias: false }),
    );
    this.bn1 = this.addModule('bn1', new BatchNorm2d(64));
    this.relu = this.addModule('relu', new ReLU());
    this.maxpool = cifar ? undefined : this.addModule('maxpool', new MaxPool2d(3, { stride: 2, padding: 1 }));
    let inplanes = 64;
    this.layers = [64, 128, 256, 512].map((planes, i) => {
      const stride = i === 0 ? 1 : 2;
      const outplanes = planes * block.expansion;
      const shortcut = stride !== 1 || inplanes !== outplanes ? downsample(inplanes, outplanes, stride) : undefined;
      const blocks = [block.create(inplanes, planes, stride, shortcut)];
      inplanes = outplanes;
      for (let b = 1; b < depths[i]!; b++) blocks.push(block.create(inplanes, planes, 1, undefined));
      return this.addModule(`layer${i + 1}`, new Sequential(blocks));
    });
    this.avgpool = this.addModule('avgpool', new AdaptiveAvgPool2d([1, 1]));
    this.fc = this.addModule('fc', new Linear(512 * block.expansion, options.numClasses ?? 1000));
    initEach(this, Conv2d, initKaimingFanOut);
  }

  forward(x: Tensor): Tensor {
    let y = this.relu.call(this.bn1.call(this.conv1.call(x)));
    if (this.maxpool) y = this.maxpool.call(y);
    for (const layer of this.layers) y = layer.call(y);
    return this.fc.call(flatten(this.avgpool.call(y), 1));
  }
}

function resnet(
  name: string,
  block: BlockType,
  depths: readonly [number, number, number, number],
  options: ResNetOptions,
): ResNet {
  return built(name, options, ['variant'], () => new ResNet(block, depths, options));
}

/**
 * ResNet-18 (He et al. 2015), torchvision names and initialization; 11,689,512 parameters.
 *
 * @example
 * ```ts
 * const model = resnet18({ variant: 'cifar', numClasses: 10, seed: 0 });
 * model.call(zeros([8, 3, 32, 32])).shape; // [8, 10]
 * ```
 */
export function resnet18(options: ResNetOptions = {}): ResNet {
  return resnet('resnet18', BasicBlock, [2, 2, 2, 2], options);
}

/**
 * ResNet-34, torchvision names and initialization; 21,797,672 parameters.
 *
 * @example
 * ```ts
 * const model = resnet34({ seed: 0 });
 * ```
 */
export function resnet34(options: ResNetOptions = {}): ResNet {
  return resnet('resnet34', BasicBlock, [3, 4, 6, 3], options);
}

/**
 * ResNet-50 (bottleneck blocks, stride on the 3×3 as torchvision's v1.5); 25,557,032 parameters.
 *
 * @example
 * ```ts
 * const model = resnet50();
 * loadWeights(model, 'resnet50.safetensors');
 * ```
 */
export function resnet50(options: ResNetOptions = {}): ResNet {
  return resnet('resnet50', Bottleneck, [3, 4, 6, 3], options);
}

/**
 * ResNet-101, torchvision names and initialization; 44,549,160 parameters.
 *
 * @example
 * ```ts
 * const model = resnet101({ numClasses: 100 });
 * ```
 */
export function resnet101(options: ResNetOptions = {}): ResNet {
  return resnet('resnet101', Bottleneck, [3, 4, 23, 3], options);
}

/**
 * ResNet-152, torchvision names and initialization; 60,192,808 parameters.
 *
 * @example
 * ```ts
 * const model = resnet152({ numClasses: 100 });
 * ```
 */
export function resnet152(options: ResNetOptions = {}): ResNet {
  return resnet('resnet152', Bottleneck, [3, 8, 36, 3], options);
}
