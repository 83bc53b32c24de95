import { checkOptions, flatten, type Tensor } from '@gradstream/core';
import { AdaptiveAvgPool2d, Conv2d, Dropout, Linear, MaxPool2d, Module } from '@gradstream/core/nn';
import { BasicConv2d, Inception, InceptionAux } from './inception.js';
import { initEach, initNormalWeight } from './init.js';
import { MODEL_OPTIONS, built, type ModelOptions } from './options.js';

/** Options of `googlenet`. */
export interface GoogLeNetOptions extends ModelOptions {
  /** Build the two auxiliary classifiers (`aux1`, `aux2`) used in training (default false). */
  readonly auxLogits?: boolean;
}

/** Logits and, in training mode with `auxLogits`, the auxiliary classifiers' logits. */
export interface GoogLeNetOutputs {
  readonly logits: Tensor;
  readonly aux1?: Tensor;
  readonly aux2?: Tensor;
}

const pool = (kernel: number): MaxPool2d => new MaxPool2d(kernel, { stride: 2, ceilMode: true });

/**
 * GoogLeNet as torchvision builds it (`conv1`…`conv3`, `inception3a`…`inception5b`, `aux1`/`aux2`, `fc`).
 * @example `new GoogLeNet({ auxLogits: true }).forwardWithAux(x).aux1`
 */
export class GoogLeNet extends Module {
  private readonly stem: readonly Module[];
  private readonly stage4: readonly Inception[];
  private readonly stage5: readonly Module[];
  readonly aux1: InceptionAux | undefined;
  readonly aux2: InceptionAux | undefined;
  readonly dropout: Dropout;
  readonly fc: Linear;

  constructor(options: GoogLeNetOptions = {}) {
    super();
    checkOptions('GoogLeNet', options, [...MODEL_OPTIONS, 'auxLogits']);
    const numClasses = options.numClasses ?? 1000;
    this.stem = [
      this.addModule('conv1', new BasicConv2d(options.inChannels ?? 3, 64, 7, { stride: 2, padding: 3 })),
      this.addModule('maxpool1', pool(3)),
      this.addModule('conv2', new BasicConv2d(64, 64, 1)),
      this.addModule('conv3', new BasicConv2d(64, 192, 3, { padding: 1 })),
      this.addModule('maxpool2', pool(3)),
      this.addModule('inception3a', new Inception(192, [64, 96, 128, 16, 32, 32])),
      this.addModule('inception3b', new Inception(256, [128, 128, 192, 32, 96, 64])),
      this.addModule('maxpool3', pool(3)),
    ];
    this.stage4 = [
      this.addModule('inception4a', new Inception(480, [192, 96, 208, 16, 48, 64])),
      this.addModule('inception4b', new Inception(512, [160, 112, 224, 24, 64, 64])),
      this.addModule('inception4c', new Inception(512, [128, 128, 256, 24, 64, 64])),
      this.addModule('inception4d', new Inception(512, [112, 144, 288, 32, 64, 64])),
      this.addModule('inception4e', new Inception(528, [256, 160, 320, 32, 128, 128])),
    ];
    const stage5 = [
      this.addModule('maxpool4', pool(2)),
      this.addModule('inception5a', new Inception(832, [256, 160, 320, 32, 128, 128])),
      this.addModule('inception5b', new Inception(832, [384, 192, 384, 48, 128, 128])),
    ];
    // torchvision registers the aux heads here, so state-dict order puts them before avgpool and fc.
    this.aux1 = options.auxLogits ? this.addModule('aux1', new InceptionAux(512, numClasses)) : undefined;
    this.aux2 = options.auxLogits ? this.addModule('aux2', new InceptionAux(528, numClasses)) : undefined;
    this.stage5 = [...stage5, this.addModule('avgpool', new AdaptiveAvgPool2d([1, 1]))];
    this.dropout = this.addModule('dropout', new Dropout(0.2));
    this.fc = this.addModule('fc', new Linear(1024, numClasses));
    // trunc_normal(std 0.01, ±2) in torchvision: bounds at ±200σ never bind, so plain N(0, 0.01²) is the same law.
    initEach(this, Conv2d, (m) => initNormalWeight(m, 0.01));
    initEach(this, Linear, (m) => initNormalWeight(m, 0.01));
  }

  /**
   * Logits plus, in training mode when built with `auxLogits`, the
   * auxiliary heads' logits (torchvision adds them to the loss with weight 0.3).
   */
  forwardWithAux(x: Tensor): GoogLeNetOutputs {
    return this.run(x, this.training);
  }

  forward(x: Tensor): Tensor {
    return this.run(x, false).logits;
  }

  private run(x: Tensor, withAux: boolean): GoogLeNetOutputs {
    let y = this.stem.reduce((h, m) => m.call(h), x);
    let aux1: Tensor | undefined;
    let aux2: Tensor | undefined;
    this.stage4.forEach((block, i) => {
      y = block.call(y);
      if (withAux && i === 0) aux1 = this.aux1?.call(y);
      if (withAux && i === 3) aux2 = this.aux2?.call(y);
    });
    y = flatten(
      this.stage5.reduce((h, m) => m.call(h), y),
      1,
    );
    return { logits: this.fc.call(this.dropout.call(y)), ...(aux1 && { aux1 }), ...(aux2 && { aux2 }) };
  }
}

/**
 * GoogLeNet / Inception v1 (Szegedy et al. 2014) as torchvision builds it:
 * BasicConv2d = conv (no bias) + BatchNorm (eps 0.001) + ReLU; 6,624,904
 * parameters without the auxiliary heads (13,004,888 with them). Adaptive
 * pooling lets it take inputs from 32×32 up; ImageNet weights expect 224×224.
 *
 * @example
 * ```ts
 * const model = googlenet({ auxLogits: true, numClasses: 10 });
 * const { logits, aux1, aux2 } = model.forwardWithAux(x); // aux heads only in training mode
 * ```
 */
export function googlenet(options: GoogLeNetOptions = {}): GoogLeNet {
  return built('googlenet', options, ['auxLogits'], () => new GoogLeNet(options));
}
