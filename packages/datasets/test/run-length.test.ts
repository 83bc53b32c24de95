import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mnist } from '@gradstream/datasets/node';
import { RunLengthImages } from '../src/run-length.js';
import { idxBytes, tempDir } from './helpers.js';

// Node's IDX loader reads the images file a chunk at a time into runs of
// zeros and literals. The references: the raw bytes themselves, and for the
// datasets, a naive read of the file's payload.

/** Bytes with zero runs longer than a pair holds, dense stretches, and isolated zeros. */
const imageBytes = (per: number) =>
  fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 }), fc.constantFrom(0, 0, 0, 7)), {
    minLength: per,
    maxLength: per,
  });

function encodeAll(raw: Uint8Array, count: number, per: number, cuts: readonly number[]): RunLengthImages {
  const encoder = RunLengthImages.encoder(count, per);
  let at = 0;
  for (const c of [...cuts.filter((k) => k > 0 && k < count)].sort((a, b) => a - b).concat(count)) {
    encoder.add(raw.subarray(at * per, c * per));
    at = c;
  }
  return encoder.finish();
}

describe('RunLengthImages', () => {
  it('reads back every image as its bytes, whatever the chunks it was added in', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 700 })
          .chain((per) => fc.tuple(fc.constant(per), fc.array(imageBytes(per), { minLength: 1, maxLength: 6 }))),
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
        ([per, images], cuts) => {
          const raw = Uint8Array.from(images.flat());
          const runs = encodeAll(raw, images.length, per, cuts);
          const out = new Uint8Array(per + 2).fill(9);
          images.forEach((img, i) => {
            runs.read(i, out, 1);
            expect(Array.from(out.subarray(1, per + 1))).toEqual(img);
            // Nothing outside the image is written.
            expect([out[0], out[per + 1]]).toEqual([9, 9]);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('all-zero, all-255 and alternating images, including zero runs past 255', () => {
    const per = 600;
    const images = [
      new Uint8Array(per),
      new Uint8Array(per).fill(255),
      Uint8Array.from({ length: per }, (_, p) => (p % 2 ? 3 : 0)),
      Uint8Array.from({ length: per }, (_, p) => (p === 599 ? 1 : 0)),
    ];
    const raw = new Uint8Array(images.length * per);
    for (const [i, img] of images.entries()) raw.set(img, i * per);
    const runs = encodeAll(raw, images.length, per, []);
    const out = new Uint8Array(per);
    images.forEach((img, i) => {
      runs.read(i, out, 0);
      expect(out).toEqual(img);
    });
    // An image that runs would make larger is kept raw: never more than one byte over its size.
    expect(runs.byteLength).toBeLessThanOrEqual(images.length * (per + 1) + 4 * (images.length + 1));
  });

  it('refuses more or fewer images than declared', () => {
    const encoder = RunLengthImages.encoder(2, 3);
    encoder.add(Uint8Array.of(1, 2, 3));
    expect(() => encoder.finish()).toThrow('1 of 2 images added');
    encoder.add(Uint8Array.of(1, 2, 3));
    expect(() => encoder.add(Uint8Array.of(1, 2, 3))).toThrow('more than 2 images');
  });
});

describe('mnist({ dir }) read in chunks', () => {
  it('has the images and labels of the file, across chunk boundaries, as bytes and as floats', () => {
    // 2,500 images: more than two chunks of 1,024. Sparse, like digits, with some dense images.
    const count = 2500;
    const [h, w] = [5, 6];
    const per = h * w;
    const pixels = Uint8Array.from({ length: count * per }, (_, k) => {
      const i = Math.floor(k / per);
      return i % 97 === 0 || (k * 2654435761) % 7 === 0 ? (k * 31 + 5) & 255 : 0;
    });
    const labels = Uint8Array.from({ length: count }, (_, i) => (i * 3) % 10);
    const files = {
      'train-images-idx3-ubyte': idxBytes([count, h, w], pixels),
      'train-labels-idx1-ubyte': idxBytes([count], labels),
    };
    for (const gzip of [false, true]) {
      const { dir, cleanup } = tempDir(files, gzip);
      try {
        const ds = mnist('train', { dir });
        expect(ds.length).toBe(count);
        expect(ds.imageShape).toEqual([1, h, w]);
        const indices = [0, 1023, 1024, 1025, 2047, 2048, 2499, 97, 194];
        const bytes = new Uint8Array(indices.length * per);
        const y = new Int32Array(indices.length);
        ds.readBatchBytes!(indices, bytes, y);
        indices.forEach((i, k) => {
          expect(Array.from(bytes.subarray(k * per, (k + 1) * per))).toEqual(
            Array.from(pixels.subarray(i * per, (i + 1) * per)),
          );
          expect(y[k]).toBe(labels[i]);
          const { image, label } = ds.get(i);
          expect(label).toBe(labels[i]);
          for (let p = 0; p < per; p++) expect(image[p]).toBe(Math.fround(pixels[i * per + p]! / 255));
        });
      } finally {
        cleanup();
      }
    }
  });

  it('a truncated or over-long uncompressed file fails as parseIdx does', () => {
    const good = idxBytes([3, 2, 2], new Uint8Array(12).fill(1));
    const labels = idxBytes([3], Uint8Array.of(0, 1, 2));
    for (const [images, message] of [
      [good.subarray(0, good.length - 1), 'dimensions [3, 2, 2] need 28 bytes, file has 27'],
      [Uint8Array.from([...good, 0, 0]), '2 bytes after the data of dimensions [3, 2, 2]'],
      [idxBytes([3, 4], new Uint8Array(12)), 'images need 3 dimensions'],
    ] as const) {
      const { dir, cleanup } = tempDir({ 'train-images-idx3-ubyte': images, 'train-labels-idx1-ubyte': labels });
      try {
        expect(() => mnist('train', { dir })).toThrow(message);
      } finally {
        cleanup();
      }
    }
  });

  it('MNIST train from the npm package takes under a third of its 47 MB in runs', () => {
    const ds = mnist('train') as unknown as { pixels: RunLengthImages };
    expect(ds.pixels).toBeInstanceOf(RunLengthImages);
    expect(ds.pixels.byteLength).toBeLessThan(47_040_000 / 3);
  });
});
