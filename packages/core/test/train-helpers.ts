import { Random, tensor } from '@gradstream/core';
import type { Batch } from '@gradstream/core/train';

/** N images 1×8×8 of an X or an O (5×5 glyph) at a random shift, plus Gaussian noise; label 0 = X, 1 = O. */
export interface XOData {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly n: number;
}

const GLYPHS: readonly ((i: number, j: number) => boolean)[] = [
  (i, j) => i === j || i + j === 4,
  (i, j) => ((i === 0 || i === 4) && j > 0 && j < 4) || ((j === 0 || j === 4) && i > 0 && i < 4),
];

export function makeXO(n: number, seed: number, noise = 0.25): XOData {
  const rng = new Random(seed);
  const images = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const label = rng.int(2);
    const dy = rng.int(4);
    const dx = rng.int(4);
    labels[s] = label;
    for (let p = 0; p < 64; p++) images[s * 64 + p] = noise * rng.normal();
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) if (GLYPHS[label]!(i, j)) images[s * 64 + (i + dy) * 8 + j + dx]! += 1;
  }
  return { images, labels, n };
}

/** Batches made fresh on every pass (fit disposes them), in a seeded shuffled order when `shuffleSeed` is given. */
export function loader(
  data: XOData,
  batchSize: number,
  shuffleSeed?: number,
): AsyncIterable<Batch> & { readonly length: number } {
  let epoch = 0;
  return {
    length: Math.ceil(data.n / batchSize),
    async *[Symbol.asyncIterator]() {
      const order = Array.from({ length: data.n }, (_, i) => i);
      if (shuffleSeed !== undefined) {
        const rng = new Random(shuffleSeed + epoch++);
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
      }
      for (let start = 0; start < data.n; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const x = new Float32Array(idx.length * 64);
        idx.forEach((k, b) => {
          x.set(data.images.subarray(k * 64, k * 64 + 64), b * 64);
        });
        yield {
          x: tensor(x, [idx.length, 1, 8, 8]),
          y: tensor(
            Int32Array.from(idx, (k) => data.labels[k]!),
            [idx.length],
            'int32',
          ),
        };
      }
    },
  };
}

/** A data source that counts the batches it hands out and the passes that have finished (run to the end or returned early). */
export interface CountedLoader extends AsyncIterable<Batch> {
  readonly length: number;
  readonly pulled: number;
  readonly closed: number;
}

/** Wraps a data source, counting the batches handed out and the iterators closed. */
export function counted(data: AsyncIterable<Batch> & { readonly length: number }): CountedLoader {
  let pulled = 0;
  let closed = 0;
  return {
    length: data.length,
    get pulled() {
      return pulled;
    },
    get closed() {
      return closed;
    },
    async *[Symbol.asyncIterator]() {
      try {
        for await (const b of data) {
          pulled++;
          yield b;
        }
      } finally {
        closed++;
      }
    },
  };
}
