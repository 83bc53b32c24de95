import { Canvas, type Rgb } from './canvas.js';
import { encodePng } from './png.js';

/** A small image to draw magnified: C×H×W values (C = 1 grey, C = 3 colour) on any scale. */
export interface Tile {
  readonly data: ArrayLike<number>;
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
}

/**
 * Draws `tile` magnified with its top-left corner at (x, y), stretched to its
 * own min/max so that weak and strong kernels are equally readable; a
 * constant tile is drawn mid-grey.
 */
export function drawTile(canvas: Canvas, tile: Tile, x: number, y: number, scale: number): void {
  const { data, channels, height, width } = tile;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    lo = Math.min(lo, data[i]!);
    hi = Math.max(hi, data[i]!);
  }
  const range = hi - lo;
  const level = (v: number): number => (range > 0 ? Math.round(((v - lo) / range) * 255) : 128);
  const plane = height * width;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const p = r * width + c;
      const color: Rgb =
        channels === 3
          ? [level(data[p]!), level(data[plane + p]!), level(data[2 * plane + p]!)]
          : [level(data[p]!), level(data[p]!), level(data[p]!)];
      canvas.fillRect(x + c * scale, y + r * scale, scale, scale, color);
    }
  }
}

/**
 * `tile` magnified `scale` times (each value a scale×scale square, so the
 * pixels stay sharp at any zoom) as a PNG data URL, for a chart's image mark.
 */
export function tileUrl(tile: Tile, scale: number): string {
  const canvas = new Canvas(tile.width * scale, tile.height * scale);
  drawTile(canvas, tile, 0, 0, scale);
  return `data:image/png;base64,${Buffer.from(encodePng(canvas)).toString('base64')}`;
}

/** The screen pixels per tile pixel that make a tile of side `side` about `target` pixels wide (at least 1). */
export function scaleFor(side: number, target: number): number {
  return Math.max(1, Math.round(target / side));
}
