import { add, type Tensor } from '@gradstream/core';
import { BatchNorm2d, Conv2d, Module, ReLU, Sequential } from '@gradstream/core/nn';

/** What a residual stage needs to know about its block type. */
export interface BlockType {
  /** Output channels = planes × expansion. */
  readonly expansion: number;
  create(inplanes: number, planes: number, stride: number, downsample: Sequential | undefined): Module;
}

const conv3x3 = (inC: number, outC: number, stride = 1): Conv2d =>
  new Conv2d(inC, outC, 3, { stride, padding: 1, bias: false });
const conv1x1 = (inC: number, outC: number, stride = 1): Conv2d => new Conv2d(inC, outC, 1, { stride, bias: false });

/**
 * torchvision's shortcut projection when a block changes resolution or width: `downsample.0` conv, `downsample.1` bn.
 * @example `downsample(256, 512, 2)`
 */
export function downsample(inplanes: number, outplanes: number, stride: number): Sequential {
  return new Sequential([conv1x1(inplanes, outplanes, stride), new BatchNorm2d(outplanes)]);
}

/**
 * Two 3×3 convolutions and a shortcut (ResNet-18/34).
 * @example `new BasicBlock(64, 128, 2, downsample(64, 128, 2))` (halves resolution, doubles width)
 */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | undefined;

  constructor(inplanes: number, planes: number, stride = 1, shortcut?: Sequential) {
    super();
    this.conv1 = this.addModule('conv1', conv3x3(inplanes, planes, stride));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(planes));
    this.relu = this.addModule('relu', new ReLU());
    this.conv2 = this.addModule('conv2', conv3x3(planes, planes));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(planes));
    this.downsample = shortcut && this.addModule('downsample', shortcut);
  }

  static create(inplanes: number, planes: number, stride: number, shortcut: Sequential | undefined): BasicBlock {
    return new BasicBlock(inplanes, planes, stride, shortcut);
  }

  forward(x: Tensor): Tensor {
    const out = this.bn2.call(this.conv2.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
    return this.relu.call(add(out, this.downsample ? this.downsample.call(x) : x));
  }
}

/**
 * 1×1 reduce, 3×3, 1×1 expand (×4) and a shortcut (ResNet-50/101/152). The
 * stride sits on the 3×3 convolution, as in torchvision's "ResNet v1.5".
 * @example `new Bottleneck(256, 64)` (256 → 64 → 64 → 256 channels, identity shortcut)
 */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly relu: ReLU;
  readonly downsample: Sequential | undefined;

  constructor(inplanes: number, planes: number, stride = 1, shortcut?: Sequential) {
    super();
    const outplanes = planes * Bottleneck.expansion;
    this.conv1 = this.addModule('conv1', conv1x1(inplanes, planes));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.addModule('conv2', conv3x3(planes, planes, stride));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.addModule('conv3', conv1x1(planes, outplanes));
    this.bn3 = this.addModule('bn3', new BatchNorm2d(outplanes));
    this.relu = this.addModule('relu', new ReLU());
    this.downsample = shortcut && this.addModule('downsample', shortcut);
  }

  static create(inplanes: number, planes: number, stride: number, shortcut: Sequential | undefined): Bottleneck {
    return new Bottleneck(inplanes, planes, stride, shortcut);
  }

  forward(x: Tensor): Tensor {
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.relu.call(this.bn2.call(this.conv2.call(out)));
    out = this.bn3.call(this.conv3.call(out));
    return this.relu.call(add(out, this.downsample ? this.downsample.call(x) : x));
  }
}
