import type { Random } from '@gradstream/core';
import { uniformIn } from '../random.js';

/** Distance from pixel centre (x, y) to the shape being drawn, in pixels. */
export type DistanceField = (x: number, y: number) => number;

/**
 * Draws a stroke of width `lineWidth` around the zero set of `distance` into
 * `out` (size×size bytes starting at `at`), antialiased so sub-pixel shifts
 * and scales change the image, plus uniform noise of amplitude `noise`.
 */
export function drawStroke(
  out: Uint8Array,
  at: number,
  size: number,
  distance: DistanceField,
  lineWidth: number,
  noise: number,
  rng: Random,
): void {
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const ink = clamp01(lineWidth / 2 + 0.5 - distance(x, y));
      const v = clamp01(ink + (noise > 0 ? uniformIn(rng, -noise, noise) : 0));
      out[at + y * size + x] = Math.round(v * 255);
    }
  }
}

/** Distance from point (px, py) to the segment (ax, ay)–(bx, by). */
export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function clamp01(v: number): number {
  return v < 0 ? 0 : Math.min(v, 1);
}
