/**
 * Images of bytes kept as runs of zeros and of other bytes, for sparse data:
 * an MNIST digit is about 80% zero pixels, so the 47 MB training split takes
 * about a third of that. Each image starts with a mode byte: RAW (the bytes as
 * they are, for an image that runs would make larger) or RUNS, then pairs of
 * (zeros, literals) counts of at most 255 with the literal bytes after each pair.
 */
export class RunLengthImages {
  private constructor(
    readonly count: number,
    readonly pixelsPerImage: number,
    private readonly data: Uint8Array,
    /** Start of image i in `data`; count + 1 entries. */
    private readonly starts: Uint32Array,
  ) {}

  /** Bytes held, for the pixels and the index. */
  get byteLength(): number {
    return this.data.byteLength + this.starts.byteLength;
  }

  /** The encoded bytes and the image starts, for a reader on another thread (see {@link toShared}). */
  get parts(): { readonly data: Uint8Array; readonly starts: Uint32Array } {
    return { data: this.data, starts: this.starts };
  }

  /** The same images with their bytes and starts on SharedArrayBuffers (this one if they already are). */
  toShared(): RunLengthImages {
    if (this.data.buffer instanceof SharedArrayBuffer && this.starts.buffer instanceof SharedArrayBuffer) return this;
    return new RunLengthImages(this.count, this.pixelsPerImage, shareCopy(this.data), shareCopy(this.starts));
  }

  /** Writes the bytes of image `i` into `out` from `at`. */
  read(i: number, out: Uint8Array, at: number): void {
    const d = this.data;
    let q = this.starts[i]!;
    const n = this.pixelsPerImage;
    if (d[q++] === RAW) {
      out.set(d.subarray(q, q + n), at);
      return;
    }
    const end = at + n;
    // Runs are short (a digit's row has a few): plain loops beat fill/set and their views.
    for (let p = at; p < end; ) {
      const zeros = d[q]!;
      const literals = d[q + 1]!;
      q += 2;
      for (const stop = p + zeros; p < stop; p++) out[p] = 0;
      for (const stop = p + literals; p < stop; p++, q++) out[p] = d[q]!;
    }
  }

  /**
   * Encodes images handed over in pieces of whole images (`add`), so a file can
   * be read a chunk at a time and never held whole.
   */
  static encoder(count: number, pixelsPerImage: number): RunLengthEncoder {
    return new RunLengthEncoder(
      count,
      pixelsPerImage,
      (data, starts) => new RunLengthImages(count, pixelsPerImage, data, starts),
    );
  }
}

/** A copy of `a` on a SharedArrayBuffer of its exact length. */
export function shareCopy<T extends Uint8Array | Uint32Array | Int32Array>(a: T): T {
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const copy = new Ctor(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}

/** Mode byte of an image kept as it is; the prefetch worker's decoder (prefetch-worker-source.ts) knows it too. */
export const RAW = 0;
const RUNS = 1;
/** Largest count one pair can hold. */
const MAX_RUN = 255;

/** Builds a {@link RunLengthImages} from consecutive whole images. */
export class RunLengthEncoder {
  private readonly data: Uint8Array;
  private used = 0;
  private images = 0;
  private readonly starts: Uint32Array;

  constructor(
    private readonly count: number,
    private readonly per: number,
    private readonly make: (data: Uint8Array, starts: Uint32Array) => RunLengthImages,
  ) {
    // Sized for the worst case (every image raw, plus one image's overshoot before it falls back to raw), so it
    // never grows or is copied: pages the runs never reach are never touched, so they take no memory. Shared
    // where the runtime has shared memory, so a prefetching DataLoader's worker reads the runs without a copy.
    const Buffer = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : ArrayBuffer;
    this.starts = new Uint32Array(new Buffer(4 * (count + 1)));
    this.data = new Uint8Array(new Buffer(count * (per + 1) + 2 * per + 2));
  }

  /** Appends the images in `bytes` (a whole number of them). */
  add(bytes: Uint8Array): void {
    const per = this.per;
    for (let at = 0; at + per <= bytes.length; at += per) {
      if (this.images === this.count) throw new RangeError(`RunLengthEncoder: more than ${this.count} images`);
      this.starts[this.images++] = this.used;
      this.used = encodeImage(bytes, at, per, this.data, this.used);
    }
  }

  /** The images added so far, which must be `count`, as a view of the used part of the buffer. */
  finish(): RunLengthImages {
    if (this.images !== this.count)
      throw new RangeError(`RunLengthEncoder: ${this.images} of ${this.count} images added`);
    this.starts[this.count] = this.used;
    return this.make(this.data.subarray(0, this.used), this.starts);
  }
}

/** Writes one image at `q` in runs, or raw when runs would not be smaller; returns the end. */
function encodeImage(src: Uint8Array, at: number, per: number, out: Uint8Array, q: number): number {
  const start = q;
  out[q++] = RUNS;
  const end = at + per;
  for (let p = at; p < end; ) {
    let zeros = 0;
    while (p < end && zeros < MAX_RUN && src[p] === 0) {
      zeros++;
      p++;
    }
    let literals = 0;
    while (p + literals < end && literals < MAX_RUN && src[p + literals] !== 0) literals++;
    out[q] = zeros;
    out[q + 1] = literals;
    out.set(src.subarray(p, p + literals), q + 2);
    q += 2 + literals;
    p += literals;
    if (q - start > per) {
      out[start] = RAW;
      out.set(src.subarray(at, end), start + 1);
      return start + 1 + per;
    }
  }
  return q;
}
