import { logSoftmax, softmax } from '../ops/activation.js';
import { leakyRelu, relu, sigmoid, tanh } from '../ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** max(x, 0), as torch.nn.ReLU. @example `new Sequential([new Linear(4, 8), new ReLU()])` */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x where x > 0, negativeSlope·x elsewhere (default 0.01), as torch.nn.LeakyReLU. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

/** Hyperbolic tangent, as torch.nn.Tanh. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Logistic sigmoid, as torch.nn.Sigmoid. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** Softmax along `axis` (default −1, the class axis of N×C logits). */
export class Softmax extends Module {
  constructor(readonly axis = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return softmax(x, this.axis);
  }
}

/** log(softmax(x)) along `axis`, computed stably; pair it with nllLoss. */
export class LogSoftmax extends Module {
  constructor(readonly axis = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.axis);
  }
}
