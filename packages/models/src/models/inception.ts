import { adaptiveAvgPool2d, checkOptions, flatten, relu, type Tensor } from '@gradstream/core';
import { BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, Module, Parallel, Sequential } from '@gradstream/core/nn';

/**
 * Conv (no bias) → BatchNorm (eps 0.001) → ReLU, torchvision's `BasicConv2d` (`conv`, `bn`).
 * @example `new BasicConv2d(64, 192, 3, { padding: 1 })`
 */
export class BasicConv2d extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: { stride?: number; padding?: number } = {},
  ) {
    super();
    checkOptions('BasicConv2d', options, ['stride', 'padding']);
    this.conv = this.addModule('conv', new Conv2d(inChannels, outChannels, kernelSize, { ...options, bias: false }));
    this.bn = this.addModule('bn', new BatchNorm2d(outChannels, { eps: 0.001 }));
  }

  forward(x: Tensor): Tensor {
    return relu(this.bn.call(this.conv.call(x)));
  }
}

/** Channel widths of an Inception block, in torchvision's argument order. */
export type InceptionWidths = readonly [
  ch1x1: number,
  ch3x3red: number,
  ch3x3: number,
  ch5x5red: number,
  ch5x5: number,
  poolProj: number,
];

/**
 * Four branches concatenated on channels: `branch1` 1×1; `branch2` 1×1 → 3×3;
 * `branch3` 1×1 → "5×5", which torchvision (and its ImageNet weights) builds
 * as 3×3; `branch4` 3×3 max pool → 1×1.
 * @example `new Inception(192, [64, 96, 128, 16, 32, 32])` (inception3a: 192 → 256 channels)
 */
export class Inception extends Parallel {
  constructor(inChannels: number, [ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj]: InceptionWidths) {
    super({
      branch1: new BasicConv2d(inChannels, ch1x1, 1),
      branch2: new Sequential([
        new BasicConv2d(inChannels, ch3x3red, 1),
        new BasicConv2d(ch3x3red, ch3x3, 3, { padding: 1 }),
      ]),
      branch3: new Sequential([
        new BasicConv2d(inChannels, ch5x5red, 1),
        new BasicConv2d(ch5x5red, ch5x5, 3, { padding: 1 }),
      ]),
      branch4: new Sequential([
        new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }),
        new BasicConv2d(inChannels, poolProj, 1),
      ]),
    });
  }
}

/**
 * The auxiliary classifier torchvision attaches after inception4a and 4d (`conv`, `fc1`, `fc2`).
 * @example `new InceptionAux(512, 1000)`
 */
export class InceptionAux extends Module {
  readonly conv: BasicConv2d;
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly dropout: Dropout;

  constructor(inChannels: number, numClasses: number) {
    super();
    this.conv = this.addModule('conv', new BasicConv2d(inChannels, 128, 1));
    this.fc1 = this.addModule('fc1', new Linear(2048, 1024));
    this.fc2 = this.addModule('fc2', new Linear(1024, numClasses));
    this.dropout = this.addModule('dropout', new Dropout(0.7));
  }

  forward(x: Tensor): Tensor {
    const features = flatten(this.conv.call(adaptiveAvgPool2d(x, [4, 4])), 1);
    return this.fc2.call(this.dropout.call(relu(this.fc1.call(features))));
  }
}
