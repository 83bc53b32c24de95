import { checkOptions, flatten, type Tensor } from '@gradstream/core';
import { AdaptiveAvgPool2d, Conv2d, Dropout, Linear, MaxPool2d, Module, ReLU, Sequential } from '@gradstream/core/nn';
import { MODEL_OPTIONS, built, type ModelOptions } from './options.js';

/**
 * AlexNet as torchvision builds it: `features`, `avgpool` (6×6), `classifier`.
 * @example `new AlexNet({ numClasses: 10 }).classifier.at(6)` (the last Linear)
 */
export class AlexNet extends Module {
  readonly features: Sequential;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly classifier: Sequential;

  constructor(options: ModelOptions = {}) {
    super();
    checkOptions('AlexNet', options, MODEL_OPTIONS);
    this.features = this.addModule(
      'features',
      new Sequential([
        new Conv2d(options.inChannels ?? 3, 64, 11, { stride: 4, padding: 2 }),
        new ReLU(),
        new MaxPool2d(3, { stride: 2 }),
        new Conv2d(64, 192, 5, { padding: 2 }),
        new ReLU(),
        new MaxPool2d(3, { stride: 2 }),
        new Conv2d(192, 384, 3, { padding: 1 }),
        new ReLU(),
        new Conv2d(384, 256, 3, { padding: 1 }),
        new ReLU(),
        new Conv2d(256, 256, 3, { padding: 1 }),
        new ReLU(),
        new MaxPool2d(3, { stride: 2 }),
      ]),
    );
    this.avgpool = this.addModule('avgpool', new AdaptiveAvgPool2d([6, 6]));
    this.classifier = this.addModule(
      'classifier',
      new Sequential([
        new Dropout(0.5),
        new Linear(256 * 6 * 6, 4096),
        new ReLU(),
        new Dropout(0.5),
        new Linear(4096, 4096),
        new ReLU(),
        new Linear(4096, options.numClasses ?? 1000),
      ]),
    );
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(flatten(this.avgpool.call(this.features.call(x)), 1));
  }
}

/**
 * AlexNet (Krizhevsky et al. 2012, torchvision's single-GPU variant):
 * 61,100,840 parameters, names as torchvision's (`features.0.weight`,
 * `classifier.1.weight`, …). Adaptive pooling lets it take any input from
 * 63×63 up; ImageNet weights expect 224×224.
 *
 * @example
 * ```ts
 * const model = alexnet({ numClasses: 10, seed: 1 });
 * model.call(zeros([1, 3, 224, 224])).shape; // [1, 10]
 * ```
 */
export function alexnet(options: ModelOptions = {}): AlexNet {
  return built('alexnet', options, [], () => new AlexNet(options));
}
