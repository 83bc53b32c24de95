import { Canvas, type Rgb } from './canvas.js';

/** A small image to draw magnified: C×H×W values (C = 1 grey, C = 3 colour) on any scale. */
export interface Tile {
  readonly data: ArrayLike<number>;
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
}

/** How {@link renderGrid} lays tiles out. */
export interface GridOptions {
  /** Tiles per row. */
  readonly columns: number;
  /** Screen pixels per tile pixel. */
  readonly scale: number;
  /** Screen pixels between tiles and around the grid. */
  readonly gap: number;
  readonly background?: Rgb;
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

/** Lays tiles out in rows of `columns`, each cell as large as the largest tile; tiles are top-left aligned. */
export function renderGrid(tiles: readonly Tile[], options: GridOptions): Canvas {
  const { columns, scale, gap } = options;
  const cellW = Math.max(1, ...tiles.map((t) => t.width)) * scale;
  const cellH = Math.max(1, ...tiles.map((t) => t.height)) * scale;
  const cols = Math.max(1, Math.min(columns, tiles.length));
  const rows = Math.max(1, Math.ceil(tiles.length / cols));
  const canvas = new Canvas(gap + cols * (cellW + gap), gap + rows * (cellH + gap), options.background ?? [40, 40, 40]);
  for (const [k, t] of tiles.entries()) {
    drawTile(canvas, t, gap + (k % cols) * (cellW + gap), gap + Math.floor(k / cols) * (cellH + gap), scale);
  }
  return canvas;
}

/** The screen pixels per tile pixel that make a tile of side `side` about `target` pixels wide (at least 1). */
export function scaleFor(side: number, target: number): number {
  return Math.max(1, Math.round(target / side));
}
