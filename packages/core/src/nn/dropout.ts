import type { Shape } from '../backend/types.js';
import { mul } from '../ops/elementwise.js';
import { allocArray, tensor } from '../tensor/creation.js';
import { globalRandom } from '../tensor/random.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, fmtShape } from '../util/errors.js';
import { Module } from './module.js';

function checkP(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(op, `p must be in [0, 1], got ${p}`);
}

/** Inverted-dropout mask from the seeded generator: 1/(1−p) with probability 1−p, else 0. */
function dropoutMask(shape: Shape, p: number, dtype: Tensor['dtype']): Tensor {
  const values = allocArray('dropout', dtype, sizeOf(shape));
  const scale = 1 / (1 - p);
  for (let i = 0; i < values.length; i++) values[i] = globalRandom.next() < p ? 0 : scale;
  return tensor(values, shape, dtype);
}

function applyDropout(x: Tensor, p: number, maskShape: Shape): Tensor {
  if (p === 1) return mul(x, 0);
  const mask = dropoutMask(maskShape, p, x.dtype);
  const y = mul(x, mask);
  mask.disposeWhenFree();
  return y;
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
    checkP('Dropout', p);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return applyDropout(x, this.p, x.shape);
  }
}

/**
 * Zeroes whole channels (one draw per sample and channel of N×C×…) with
 * probability p in training, as torch.nn.Dropout2d.
 */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkP('Dropout2d', p);
  }

  forward(x: Tensor): Tensor {
    if (x.rank < 3) throw new ShapeError('Dropout2d', `expects N×C×spatial… input, got ${fmtShape(x.shape)}`);
    if (!this.training || this.p === 0) return x;
    return applyDropout(x, this.p, [x.shape[0]!, x.shape[1]!, ...new Array<number>(x.rank - 2).fill(1)]);
  }
}
