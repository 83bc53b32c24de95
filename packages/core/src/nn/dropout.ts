import { dropout, dropout1d, dropout2d, dropout3d } from '../ops/dropout.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';
import { Module } from './module.js';

/** The layers check p when built, not at their first training call. */
function checkDropoutP(layer: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(layer, `p must be in [0, 1], got ${p}`);
}

/**
 * Zeroes each element with probability p in training and scales the rest
 * by 1/(1−p), as torch.nn.Dropout; the identity in eval mode. Masks come
 * from core's seeded `globalRandom`.
 *
 * @example
 * ```ts
 * const net = new Sequential([new Linear(128, 64), new ReLU(), new Dropout(0.5), new Linear(64, 10)]);
 * ```
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkDropoutP('Dropout', p);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

/**
 * Zeroes whole channels of N×C×L (or unbatched C×L) input with probability
 * p in training, as torch.nn.Dropout1d; the identity in eval mode.
 * @example `new Dropout1d(0.2).call(randn([8, 16, 100]))`
 */
export class Dropout1d extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkDropoutP('Dropout1d', p);
  }

  forward(x: Tensor): Tensor {
    return dropout1d(x, this.p, this.training);
  }
}

/**
 * Zeroes whole channels (one draw per sample and channel of N×C×…) with
 * probability p in training, as torch.nn.Dropout2d.
 * @example `new Dropout2d(0.1).call(randn([8, 16, 32, 32]))`
 */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkDropoutP('Dropout2d', p);
  }

  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
}

/**
 * Zeroes whole channels of N×C×D×H×W (or unbatched C×D×H×W) input with
 * probability p in training, as torch.nn.Dropout3d; the identity in eval mode.
 * @example `new Dropout3d(0.2).call(randn([2, 8, 4, 16, 16]))`
 */
export class Dropout3d extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkDropoutP('Dropout3d', p);
  }

  forward(x: Tensor): Tensor {
    return dropout3d(x, this.p, this.training);
  }
}
