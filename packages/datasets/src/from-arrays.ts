import { ArgumentError, checkOptions } from '@gradstream/core';
import { StoredDataset, type Dataset, type ImageShape } from './dataset.js';
import { DatasetError } from './errors.js';

/** Describes in-memory images for {@link fromArrays}. */
export interface FromArraysOptions {
  readonly imageShape: ImageShape;
  /** Label names; labels must index into it. */
  readonly classes: readonly string[];
  readonly name?: string;
}

/**
 * Wraps images already in memory as a dataset. `images` is either one flat
 * array of all pixels (C×H×W per image, back to back) or one array per image.
 * A `Uint8Array` is taken as bytes 0–255 and kept as is (no copy); any other
 * numbers must already be in [0, 1] and are stored as float32.
 * Throws {@link DatasetError} (file = name, offset = element index) on
 * mismatched sizes, labels outside `classes` or pixels outside their range,
 * and an `ArgumentError` naming the argument when one is missing or of the
 * wrong type (the checks TypeScript makes, repeated for JavaScript callers).
 *
 * @example
 * ```ts
 * const ds = fromArrays(new Uint8Array([0, 255, 255, 0]), [0, 1],
 *   { imageShape: [1, 1, 2], classes: ['left', 'right'] });
 * ds.get(1).image; // Float32Array [1, 0]
 * ```
 */
export function fromArrays(
  images: Uint8Array | ArrayLike<number> | readonly ArrayLike<number>[],
  labels: ArrayLike<number>,
  options: FromArraysOptions,
): Dataset {
  checkOptions('fromArrays', options, ['imageShape', 'classes', 'name']);
  checkArguments(images, labels, options);
  const name = options.name ?? 'arrays';
  const [c, h, w] = options.imageShape;
  const per = c * h * w;
  if (![c, h, w].every((d) => Number.isInteger(d) && d > 0)) {
    throw new DatasetError(
      'bad-dims',
      name,
      0,
      `imageShape [${options.imageShape.join(', ')}] must be positive integers`,
    );
  }
  const pixels = flatten(images, per, name);
  if (pixels.length !== labels.length * per) {
    throw new DatasetError(
      'count-mismatch',
      name,
      0,
      `${pixels.length} pixel values for ${labels.length} labels of ${per} pixels each`,
    );
  }
  const ys = Int32Array.from(labels);
  const bad = ys.findIndex((l, i) => l !== labels[i] || l < 0 || l >= options.classes.length);
  if (bad >= 0) {
    throw new DatasetError(
      'label-range',
      name,
      bad,
      `label ${labels[bad]} of image ${bad}; expected an integer 0 to ${options.classes.length - 1}`,
    );
  }
  return new StoredDataset(name, options.imageShape, options.classes, pixels, ys);
}

const OP = 'fromArrays';

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ArrayLike<unknown>).length === 'number' &&
    !(v instanceof DataView)
  );
}

/** What the parameter types promise, checked for callers without TypeScript. */
function checkArguments(images: unknown, labels: unknown, options: unknown): asserts options is FromArraysOptions {
  if (!isArrayLike(images))
    throw new ArgumentError(
      OP,
      `images must be a Uint8Array, an array of numbers or an array of per-image arrays, got ${describe(images)}`,
    );
  if (Array.isArray(images) && images.length > 0 && typeof images[0] !== 'number') {
    const bad = images.findIndex((img) => !isArrayLike(img));
    if (bad >= 0)
      throw new ArgumentError(OP, `images[${bad}] must be an array of pixel values, got ${describe(images[bad])}`);
  }
  if (!isArrayLike(labels))
    throw new ArgumentError(OP, `labels must be an array of class indices, got ${describe(labels)}`);
  if (typeof options !== 'object' || options === null)
    throw new ArgumentError(OP, `options { imageShape, classes, name? } are required, got ${describe(options)}`);
  const { imageShape, classes, name } = options as Partial<Record<keyof FromArraysOptions, unknown>>;
  if (!Array.isArray(imageShape) || imageShape.length !== 3 || !imageShape.every((d) => typeof d === 'number'))
    throw new ArgumentError(OP, `options.imageShape must be [channels, height, width], got ${describe(imageShape)}`);
  if (!Array.isArray(classes) || classes.length === 0 || !classes.every((c) => typeof c === 'string'))
    throw new ArgumentError(
      OP,
      `options.classes must be a non-empty array of class names (strings), got ${describe(classes)}`,
    );
  if (name !== undefined && typeof name !== 'string')
    throw new ArgumentError(OP, `options.name must be a string, got ${describe(name)}`);
}

function flatten(
  images: Uint8Array | ArrayLike<number> | readonly ArrayLike<number>[],
  per: number,
  name: string,
): Uint8Array | Float32Array {
  if (images instanceof Uint8Array) return images;
  const perImage = Array.isArray(images) && images.length > 0 && typeof images[0] !== 'number';
  let flat: Float32Array;
  if (perImage) {
    const list = images as readonly ArrayLike<number>[];
    flat = new Float32Array(list.length * per);
    list.forEach((img, i) => {
      if (img.length !== per)
        throw new DatasetError('count-mismatch', name, i, `image ${i} has ${img.length} values; expected ${per}`);
      flat.set(img, i * per);
    });
  } else {
    flat = Float32Array.from(images as ArrayLike<number>);
  }
  const bad = flat.findIndex((v) => !(v >= 0 && v <= 1));
  if (bad >= 0)
    throw new DatasetError(
      'bad-value',
      name,
      bad,
      `pixel value ${flat[bad]}; expected [0, 1] (or pass a Uint8Array of bytes)`,
    );
  return flat;
}
