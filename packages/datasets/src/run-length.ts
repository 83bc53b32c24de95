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

const RAW = 0;
const RUNS = 1;
/** Largest count one pair can hold. */
const MAX_RUN = 255;

/** Builds a {@link RunLengthImages} from consecutive whole images. */
export class RunLengthEncoder {
  private data: Uint8Array;
  private used = 0;
  private images = 0;
  private readonly starts: Uint32Array;

  constructor(
    private readonly count: number,
    private readonly per: number,
    private readonly make: (data: Uint8Array, starts: Uint32Array) => RunLengthImages,
  ) {
    this.starts = new Uint32Array(count + 1);
    // A third of the raw size fits MNIST; growth doubles.
    this.data = new Uint8Array(Math.max(1024, Math.ceil((count * (per + 1)) / 3)));
  }

  /** Appends the images in `bytes` (a whole number of them). */
  add(bytes: Uint8Array): void {
    const per = this.per;
    for (let at = 0; at + per <= bytes.length; at += per) {
      if (this.images === this.count) throw new RangeError(`RunLengthEncoder: more than ${this.count} images`);
      this.reserve(2 * per + 2);
      this.starts[this.images++] = this.used;
      this.used = encodeImage(bytes, at, per, this.data, this.used);
    }
  }

  /** The images added so far, which must be `count`; the buffer is cut to its used length. */
  finish(): RunLengthImages {
    if (this.images !== this.count)
      throw new RangeError(`RunLengthEncoder: ${this.images} of ${this.count} images added`);
    this.starts[this.count] = this.used;
    // Copying to the exact length would hold both buffers for a moment; a view wastes less while it is at least 3/4 used.
    const data =
      this.used * 4 >= this.data.length * 3 ? this.data.subarray(0, this.used) : this.data.slice(0, this.used);
    return this.make(data, this.starts);
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.data.length) return;
    const grown = new Uint8Array(Math.max(2 * this.data.length, this.used + bytes));
    grown.set(this.data.subarray(0, this.used));
    this.data = grown;
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
