// Dropout's functional forms, as torch.nn.functional: elementwise and
// channel dropout with inverted scaling, masks drawn from core's seeded
// generator so a seed reproduces a run.
import type { Shape } from '../backend/types.js';
import { allocArray, tensor } from '../tensor/creation.js';
import { freeOnThrow } from '../tensor/engine.js';
import { globalRandom } from '../tensor/random.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, fmtShape } from '../util/errors.js';
import { mul } from './elementwise.js';
import { expandDims, squeeze } from './layout.js';

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

function applyMask(x: Tensor, p: number, maskShape: Shape): Tensor {
  if (p === 1) return mul(x, 0);
  const mask = dropoutMask(maskShape, p, x.dtype);
  const y = mul(x, mask);
  mask.disposeWhenFree();
  return y;
}

/** One draw per sample and channel of N×C×…: the mask is N×C×1×…. */
function channelDropout(x: Tensor, p: number): Tensor {
  return applyMask(x, p, [x.shape[0]!, x.shape[1]!, ...new Array<number>(x.rank - 2).fill(1)]);
}

/**
 * Zeroes each element with probability p when `training` and scales the
 * rest by 1/(1−p), as torch.nn.functional.dropout; the identity otherwise.
 * @example `dropout(hidden, 0.5, model.training)`
 */
export const dropout = freeOnThrow(function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkP('dropout', p);
  if (!training || p === 0) return x;
  return applyMask(x, p, x.shape);
});

/**
 * A channel dropout that also takes unbatched input of rank `unbatchedRank`
 * (C×…), as torch's dropout1d and dropout3d do.
 */
function channelDropoutNd(op: string, x: Tensor, p: number, training: boolean, spatialRank: number): Tensor {
  checkP(op, p);
  const batched = x.rank === spatialRank + 2;
  if (!batched && x.rank !== spatialRank + 1)
    throw new ShapeError(
      op,
      `expects N×C×${spatialRank}-D or unbatched C×${spatialRank}-D input, got ${fmtShape(x.shape)}`,
    );
  if (!training || p === 0) return x;
  if (batched) return channelDropout(x, p);
  return squeeze(channelDropout(expandDims(x, 0), p), [0]);
}

/**
 * Zeroes whole channels of N×C×L (or C×L) input with probability p when
 * `training`, scaling the rest by 1/(1−p), as torch.nn.functional.dropout1d.
 * @example `dropout1d(sequenceFeatures, 0.2)`
 */
export const dropout1d = freeOnThrow(function dropout1d(x: Tensor, p = 0.5, training = true): Tensor {
  return channelDropoutNd('dropout1d', x, p, training, 1);
});

/**
 * Zeroes whole channels (one draw per sample and channel of N×C×…) with
 * probability p when `training`, scaling the rest by 1/(1−p), as
 * torch.nn.functional.dropout2d, which treats any N×C×… input this way.
 * @example `dropout2d(featureMaps, 0.1)`
 */
export const dropout2d = freeOnThrow(function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  checkP('dropout2d', p);
  if (x.rank < 3) throw new ShapeError('dropout2d', `expects N×C×spatial… input, got ${fmtShape(x.shape)}`);
  if (!training || p === 0) return x;
  return channelDropout(x, p);
});

/**
 * Zeroes whole channels of N×C×D×H×W (or C×D×H×W) input with probability p
 * when `training`, scaling the rest by 1/(1−p), as torch.nn.functional.dropout3d.
 * @example `dropout3d(volumes, 0.2)`
 */
export const dropout3d = freeOnThrow(function dropout3d(x: Tensor, p = 0.5, training = true): Tensor {
  return channelDropoutNd('dropout3d', x, p, training, 3);
});
