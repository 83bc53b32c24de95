import type { Dataset } from '../dataset.js';
import { StoredDataset } from '../dataset.js';
import { Random } from '@gradstream/core';
import { uniformIn } from '../random.js';
import { resolveOptions, type SyntheticOptions } from './options.js';
import { drawStroke, segmentDistance } from './raster.js';

/** Options of {@link edges}. */
export interface EdgesOptions extends SyntheticOptions {
  /** Number of evenly spaced bar angles in [0°, 180°), one class each (default 4: 0°, 45°, 90°, 135°). */
  readonly orientations?: number;
}

/**
 * Oriented bars: label k is a bar at k·180°/orientations (0° horizontal,
 * angles counter-clockwise on screen), randomly shifted, scaled and noised.
 * The task a first conv layer's edge detectors solve.
 *
 * @example
 * ```ts
 * const ds = edges({ orientations: 4, count: 400 });
 * ds.classes; // ['0°', '45°', '90°', '135°']
 * ```
 */
export function edges(options: EdgesOptions = {}): Dataset {
  const o = resolveOptions('synthetic.edges', options);
  const k = options.orientations ?? 4;
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`synthetic.edges: orientations ${k}; expected an integer ≥ 1`);
  const rng = new Random(o.seed);
  const n = o.size * o.size;
  const pixels = new Uint8Array(o.count * n);
  const labels = new Uint8Array(o.count);
  for (let i = 0; i < o.count; i++) {
    const label = i % k;
    const angle = (label * Math.PI) / k;
    const cx = (o.size - 1) / 2 + uniformIn(rng, -o.maxShift, o.maxShift);
    const cy = (o.size - 1) / 2 + uniformIn(rng, -o.maxShift, o.maxShift);
    const half = uniformIn(rng, o.scale[0], o.scale[1]) * (o.size / 2);
    // Screen y grows downwards, so a counter-clockwise angle subtracts from y.
    const dx = half * Math.cos(angle);
    const dy = -half * Math.sin(angle);
    drawStroke(
      pixels,
      i * n,
      o.size,
      (x, y) => segmentDistance(x, y, cx - dx, cy - dy, cx + dx, cy + dy),
      o.lineWidth,
      o.noise,
      rng,
    );
    labels[i] = label;
  }
  const classes = Array.from({ length: k }, (_, j) => `${Math.round((j * 1800) / k) / 10}°`);
  return new StoredDataset('synthetic-edges', [1, o.size, o.size], classes, pixels, labels);
}
