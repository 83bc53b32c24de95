import { RunLengthImages, shareCopy } from './run-length.js';

/** Channels × height × width of every image in a dataset. */
export type ImageShape = readonly [channels: number, height: number, width: number];

/** One example: the image as floats in [0, 1], C×H×W order, and its integer class. */
export interface Sample {
  readonly image: Float32Array;
  readonly label: number;
}

/**
 * A finite, indexable set of labelled images. Implementations keep pixels as
 * bytes and convert on access, so `get` allocates a fresh array per call.
 *
 * @example
 * ```ts
 * const ds = mnist('test');
 * const { image, label } = ds.get(0);    // Float32Array(784), 7
 * console.log(ds.classes[label], ds.imageShape); // '7' [1, 28, 28]
 * ```
 */
export interface Dataset {
  readonly name: string;
  readonly length: number;
  readonly imageShape: ImageShape;
  /** Label names; a label is an index into this list. */
  readonly classes: readonly string[];
  get(i: number): Sample;
  /**
   * Optional fast path the DataLoader uses instead of `get`: writes samples
   * `indices` into `x` (floats in [0, 1], back to back) and their labels into `y`.
   */
  readBatch?(indices: ArrayLike<number>, x: Float32Array, y: Int32Array): void;
  /**
   * Optional, for datasets stored as bytes: writes the raw pixel bytes (0–255,
   * the floats of `get` times 255) of samples `indices` into `pixels` and their
   * labels into `y`. The DataLoader prefers it to `readBatch`: it turns bytes
   * into floats through a table that also applies a `normalize` transform, in
   * one pass over the batch.
   */
  readonly readBatchBytes?: (indices: ArrayLike<number>, pixels: Uint8Array, y: Int32Array) => void;
  /**
   * Optional, for byte datasets whose storage another thread can read: the
   * pixels and labels on SharedArrayBuffers, which a DataLoader with
   * `prefetch` hands to its worker thread. It describes the same samples
   * `readBatchBytes` reads.
   */
  readonly sharedSource?: () => SharedSource;
}

/**
 * A byte dataset's storage as another thread reads it: sample i is stored
 * image `first + i`, its bytes raw (`pixelsPerImage` each, back to back) or,
 * when `starts` is given, in runs as {@link RunLengthImages} keeps them.
 * Every array lives on a SharedArrayBuffer.
 */
export interface SharedSource {
  readonly pixels: Uint8Array;
  /** Start of each stored image in `pixels` (one more entry than images) when they are kept in runs. */
  readonly starts?: Uint32Array;
  readonly labels: Uint8Array | Int32Array;
  readonly pixelsPerImage: number;
  /** Stored image of sample 0. */
  readonly first: number;
  /** Samples, from `first` on. */
  readonly length: number;
}

const BYTE_TO_FLOAT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * The one storage every built-in dataset uses: all pixels in one flat array
 * (bytes, or floats already in [0, 1] for {@link fromArrays}), or bytes in
 * runs (the IDX files read from disk), and one label per image. Callers
 * validate before constructing it.
 */
export class StoredDataset implements Dataset {
  readonly length: number;
  readonly readBatchBytes?: (indices: ArrayLike<number>, pixels: Uint8Array, y: Int32Array) => void;
  readonly sharedSource?: () => SharedSource;
  private readonly pixelsPerImage: number;

  constructor(
    readonly name: string,
    readonly imageShape: ImageShape,
    readonly classes: readonly string[],
    // Not readonly: sharedSource moves byte storage onto shared memory, once.
    private pixels: Uint8Array | Float32Array | RunLengthImages,
    private labels: Uint8Array | Int32Array,
  ) {
    this.length = labels.length;
    this.pixelsPerImage = imageShape[0] * imageShape[1] * imageShape[2];
    // Only byte storage has bytes to give; floats from fromArrays go through readBatch.
    if (!(pixels instanceof Float32Array)) {
      this.readBatchBytes = (indices, out, y) =>
        this.copyBytes(this.pixels as Uint8Array | RunLengthImages, indices, out, y);
      this.sharedSource = () => this.share();
    }
  }

  /**
   * The byte storage on SharedArrayBuffers. The first call copies it there
   * and keeps only the copies, so the dataset holds one set of bytes either way.
   */
  private share(): SharedSource {
    const px = this.pixels as Uint8Array | RunLengthImages;
    const pixels = px instanceof RunLengthImages ? px.toShared() : isShared(px) ? px : shareCopy(px);
    const labels = isShared(this.labels) ? this.labels : shareCopy(this.labels);
    this.pixels = pixels;
    this.labels = labels;
    const common = { labels, pixelsPerImage: this.pixelsPerImage, first: 0, length: this.length };
    return pixels instanceof RunLengthImages
      ? { pixels: pixels.parts.data, starts: pixels.parts.starts, ...common }
      : { pixels, ...common };
  }

  get(i: number): Sample {
    this.checkIndex(i);
    const image = new Float32Array(this.pixelsPerImage);
    this.copyImage(i, image, 0);
    return { image, label: this.labels[i]! };
  }

  readBatch(indices: ArrayLike<number>, x: Float32Array, y: Int32Array): void {
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      this.checkIndex(i);
      this.copyImage(i, x, k * this.pixelsPerImage);
      y[k] = this.labels[i]!;
    }
  }

  private copyBytes(
    src: Uint8Array | RunLengthImages,
    indices: ArrayLike<number>,
    out: Uint8Array,
    y: Int32Array,
  ): void {
    const n = this.pixelsPerImage;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      this.checkIndex(i);
      if (src instanceof RunLengthImages) src.read(i, out, k * n);
      else out.set(src.subarray(i * n, (i + 1) * n), k * n);
      y[k] = this.labels[i]!;
    }
  }

  private copyImage(i: number, out: Float32Array, at: number): void {
    const n = this.pixelsPerImage;
    const start = i * n;
    const src = this.pixels;
    if (src instanceof Float32Array) {
      out.set(src.subarray(start, start + n), at);
      return;
    }
    let bytes = src instanceof Uint8Array ? src.subarray(start, start + n) : undefined;
    if (!bytes) {
      bytes = new Uint8Array(n);
      (src as RunLengthImages).read(i, bytes, 0);
    }
    for (let p = 0; p < n; p++) out[at + p] = BYTE_TO_FLOAT[bytes[p]!]!;
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`${this.name}: index ${i} out of range [0, ${this.length})`);
    }
  }
}

function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}
