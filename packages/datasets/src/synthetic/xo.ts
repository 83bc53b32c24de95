import type { Dataset } from '../dataset.js';
import { StoredDataset } from '../dataset.js';
import { Random } from '@gradstream/core';
import { uniformIn } from '../random.js';
import { resolveOptions, type SyntheticOptions } from './options.js';
import { drawStroke, segmentDistance } from './raster.js';

/**
 * X versus O, the toy problem of the classic "how CNNs work" slides: label 0 is
 * an X (two diagonals), label 1 an O (a ring), one channel, each randomly
 * shifted, scaled and noised. Small enough to train in milliseconds.
 *
 * @example
 * ```ts
 * const ds = xo({ size: 9, count: 200, seed: 1 });
 * ds.classes; // ['X', 'O']
 * ```
 */
export function xo(options: SyntheticOptions = {}): Dataset {
  const o = resolveOptions('synthetic.xo', options);
  const rng = new Random(o.seed);
  const n = o.size * o.size;
  const pixels = new Uint8Array(o.count * n);
  const labels = new Uint8Array(o.count);
  for (let i = 0; i < o.count; i++) {
    const label = i % 2;
    const cx = (o.size - 1) / 2 + uniformIn(rng, -o.maxShift, o.maxShift);
    const cy = (o.size - 1) / 2 + uniformIn(rng, -o.maxShift, o.maxShift);
    const r = uniformIn(rng, o.scale[0], o.scale[1]) * (o.size / 2 - 1);
    const field =
      label === 0
        ? (x: number, y: number) =>
            Math.min(
              segmentDistance(x, y, cx - r, cy - r, cx + r, cy + r),
              segmentDistance(x, y, cx - r, cy + r, cx + r, cy - r),
            )
        : (x: number, y: number) => Math.abs(Math.hypot(x - cx, y - cy) - r);
    drawStroke(pixels, i * n, o.size, field, o.lineWidth, o.noise, rng);
    labels[i] = label;
  }
  return new StoredDataset('synthetic-xo', [1, o.size, o.size], ['X', 'O'], pixels, labels);
}
