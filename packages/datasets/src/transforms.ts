import { checkOptions } from '@gradstream/core';
import type { BatchArrays } from './batch.js';
import type { Random } from '@gradstream/core';

/**
 * A batch-level augmentation or preprocessing step. It receives the loader's
 * generator for the current epoch, so augmentations are as reproducible as
 * the shuffle. It may modify the batch in place or return a new one.
 */
export type Transform = (batch: BatchArrays, rng: Random) => BatchArrays;

/**
 * Subtracts `mean` and divides by `std`, per channel (arrays of length C) or
 * for all channels (numbers).
 *
 * @example
 * ```ts
 * normalize(0.1307, 0.3081);                                    // MNIST
 * normalize([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]); // CIFAR-10
 * ```
 */
export function normalize(mean: number | readonly number[], std: number | readonly number[]): Transform {
  const transform: Transform = (batch) => {
    const [n, c, h, w] = batch.shape;
    const means = perChannel('mean', mean, c);
    const stds = perChannel('std', std, c);
    const plane = h * w;
    for (let s = 0; s < n; s++) {
      for (let ch = 0; ch < c; ch++) {
        const m = means[ch]!;
        const inv = 1 / stds[ch]!;
        const start = (s * c + ch) * plane;
        for (let p = start; p < start + plane; p++) batch.x[p] = (batch.x[p]! - m) * inv;
      }
    }
    return batch;
  };
  normalizations.set(transform, { mean, std });
  return transform;
}

/** The mean and std of every transform {@link normalize} made, so a loader can fold them into its byte → float table. */
const normalizations = new WeakMap<Transform, { mean: number | readonly number[]; std: number | readonly number[] }>();

/**
 * The byte → float table of `transform` for images of `channels` channels:
 * 256 entries per channel, entry b of channel c the float32 that `normalize`
 * makes of byte b (b / 255, then minus the mean, times 1 / std, each step
 * rounded as normalize rounds it), so reading through the table gives the same
 * bits as converting and then normalizing. Undefined when `transform` is not
 * a normalize. Throws normalize's RangeError for a channel-count mismatch.
 */
export function normalizeTable(transform: Transform, channels: number): Float32Array | undefined {
  const params = normalizations.get(transform);
  if (!params) return undefined;
  const means = perChannel('mean', params.mean, channels);
  const stds = perChannel('std', params.std, channels);
  const table = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    const m = means[c]!;
    const inv = 1 / stds[c]!;
    for (let b = 0; b < 256; b++) table[c * 256 + b] = (Math.fround(b / 255) - m) * inv;
  }
  return table;
}

function perChannel(what: string, v: number | readonly number[], c: number): readonly number[] {
  const values = typeof v === 'number' ? Array<number>(c).fill(v) : v;
  if (values.length !== c) throw new RangeError(`normalize: ${values.length} ${what} values for ${c} channels`);
  if (what === 'std' && values.some((s) => !(s > 0)))
    throw new RangeError(`normalize: std must be positive, got [${values.join(', ')}]`);
  return values;
}

/** Options of {@link randomCrop}. */
export interface RandomCropOptions {
  /** Zero border added on every side before cropping (default 0). */
  readonly padding?: number;
}

/**
 * Pads each image with zeros, then cuts a `size` window (a number for a square)
 * at a random position, independently per sample; the batch's H×W becomes the
 * window's.
 *
 * @example
 * ```ts
 * randomCrop(32, { padding: 4 }); // the usual CIFAR-10 augmentation
 * ```
 */
export function randomCrop(size: number | readonly [number, number], options: RandomCropOptions = {}): Transform {
  checkOptions('randomCrop', options, ['padding']);
  const [oh, ow] = typeof size === 'number' ? [size, size] : size;
  const pad = options.padding ?? 0;
  if (!isPositiveInt(oh) || !isPositiveInt(ow) || !Number.isInteger(pad) || pad < 0) {
    throw new RangeError(
      `randomCrop: size [${oh}, ${ow}] must be positive integers and padding ${pad} a non-negative one`,
    );
  }
  return (batch, rng) => {
    const [n, c, h, w] = batch.shape;
    if (oh > h + 2 * pad || ow > w + 2 * pad) {
      throw new RangeError(
        `randomCrop: window ${oh}×${ow} is larger than the padded image ${h + 2 * pad}×${w + 2 * pad}`,
      );
    }
    const x = new Float32Array(n * c * oh * ow);
    for (let s = 0; s < n; s++) {
      // Window origin in unpadded coordinates; may be negative (inside the padding).
      const top = rng.int(h + 2 * pad - oh + 1) - pad;
      const left = rng.int(w + 2 * pad - ow + 1) - pad;
      for (let ch = 0; ch < c; ch++) {
        const src = (s * c + ch) * h * w;
        const dst = (s * c + ch) * oh * ow;
        for (let y = 0; y < oh; y++) {
          const sy = top + y;
          if (sy < 0 || sy >= h) continue;
          const x0 = Math.max(0, -left);
          const x1 = Math.min(ow, w - left);
          if (x1 > x0) x.set(batch.x.subarray(src + sy * w + left + x0, src + sy * w + left + x1), dst + y * ow + x0);
        }
      }
    }
    return { x, y: batch.y, shape: [n, c, oh, ow] };
  };
}

/**
 * Moves each image by a random whole number of pixels in [-maxShift, maxShift]
 * along each axis, filling the uncovered border with zeros; the shape is kept.
 *
 * @example
 * ```ts
 * randomShift(2); // MNIST digits wander up to 2 px
 * ```
 */
export function randomShift(maxShift: number): Transform {
  if (!Number.isInteger(maxShift) || maxShift < 0)
    throw new RangeError(`randomShift: maxShift ${maxShift}; expected an integer ≥ 0`);
  return (batch, rng) => randomCrop([batch.shape[2], batch.shape[3]], { padding: maxShift })(batch, rng);
}

/**
 * Mirrors each image left–right with probability `p`, independently per sample.
 *
 * @example
 * ```ts
 * horizontalFlip(0.5);
 * ```
 */
export function horizontalFlip(p = 0.5): Transform {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`horizontalFlip: probability ${p}; expected [0, 1]`);
  return (batch, rng) => {
    const [n, c, h, w] = batch.shape;
    for (let s = 0; s < n; s++) {
      if (rng.next() >= p) continue;
      for (let row = s * c * h; row < (s + 1) * c * h; row++) batch.x.subarray(row * w, (row + 1) * w).reverse();
    }
    return batch;
  };
}

function isPositiveInt(v: number): boolean {
  return Number.isInteger(v) && v > 0;
}

/**
 * Applies transforms left to right.
 *
 * @example
 * ```ts
 * compose(randomCrop(32, { padding: 4 }), horizontalFlip(), normalize(0.5, 0.25));
 * ```
 */
export function compose(...transforms: readonly Transform[]): Transform {
  return (batch, rng) => transforms.reduce((b, t) => t(b, rng), batch);
}
