import { checkOptions, flatten, type Tensor } from '@gradstream/core';
import { AvgPool2d, Conv2d, Linear, MaxPool2d, Module, ReLU, Sequential, Tanh } from '@gradstream/core/nn';
import { MODEL_OPTIONS, built, type ModelOptions } from './options.js';

const LENET_OPTIONS = ['activation', 'pooling', 'inputSize'] as const;

/** Options of `lenet5`. */
export interface LeNet5Options extends ModelOptions {
  /** Nonlinearity after each conv and hidden fc layer: 'relu' (default) or LeCun's 'tanh'. */
  readonly activation?: 'relu' | 'tanh';
  /** Subsampling: 'max' (default) or LeCun's 'avg'. */
  readonly pooling?: 'max' | 'avg';
  /** 28 (MNIST, default: the first conv pads by 2) or 32 (the original, unpadded). */
  readonly inputSize?: 28 | 32;
}

/**
 * LeNet-5: two conv/pool stages (`features`) and three fully connected layers (`classifier`).
 * @example `new LeNet5({ activation: 'tanh', pooling: 'avg' })` (or `lenet5(...)`, which also seeds)
 */
export class LeNet5 extends Module {
  readonly features: Sequential;
  readonly classifier: Sequential;

  constructor(options: LeNet5Options = {}) {
    super();
    checkOptions('LeNet5', options, [...MODEL_OPTIONS, ...LENET_OPTIONS]);
    const act = (): Module => (options.activation === 'tanh' ? new Tanh() : new ReLU());
    const pool = (): Module => (options.pooling === 'avg' ? new AvgPool2d(2) : new MaxPool2d(2));
    // Padding a 28×28 digit by 2 gives the 32×32 field the original was designed for.
    const padding = (options.inputSize ?? 28) === 28 ? 2 : 0;
    this.features = this.addModule(
      'features',
      new Sequential([
        new Conv2d(options.inChannels ?? 1, 6, 5, { padding }),
        act(),
        pool(),
        new Conv2d(6, 16, 5),
        act(),
        pool(),
      ]),
    );
    this.classifier = this.addModule(
      'classifier',
      new Sequential([
        new Linear(16 * 5 * 5, 120),
        act(),
        new Linear(120, 84),
        act(),
        new Linear(84, options.numClasses ?? 10),
      ]),
    );
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(flatten(this.features.call(x), 1));
  }
}

/**
 * LeNet-5 (LeCun et al. 1998) for 1×28×28 digits: conv 6@5×5 (pad 2) → pool
 * → conv 16@5×5 → pool → fc 120 → 84 → 10; 61,706 parameters. Defaults to
 * ReLU and max pooling, which train faster than the original tanh and average
 * pooling (both selectable).
 *
 * @example
 * ```ts
 * const model = lenet5({ seed: 0 });
 * model.call(zeros([64, 1, 28, 28])).shape; // [64, 10]
 * ```
 */
export function lenet5(options: LeNet5Options = {}): LeNet5 {
  return built('lenet5', options, LENET_OPTIONS, () => new LeNet5(options));
}
