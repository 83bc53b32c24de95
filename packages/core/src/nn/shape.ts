import { flatten } from '../ops/layout.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * Flattens every dim from `startDim` on (default 1, keeping the batch), as torch.nn.Flatten.
 * @example `new Flatten().call(zeros([8, 4, 2, 2])).shape // [8, 16]`
 */
export class Flatten extends Module {
  constructor(readonly startDim = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim);
  }
}

/** Returns its input unchanged: a placeholder (e.g. an absent shortcut projection). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
