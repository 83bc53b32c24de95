import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH } from './font.js';

/** An RGB colour, each channel 0–255. */
export type Rgb = readonly [r: number, g: number, b: number];

/**
 * An opaque RGBA raster with the few drawing primitives the CLI's pictures
 * need. Coordinates are pixels from the top-left; anything drawn outside the
 * raster is clipped, so callers can draw without bounds checks.
 */
export class Canvas {
  /** RGBA bytes, row-major, the layout pngjs encodes. */
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`Canvas: size ${width}×${height}; expected positive integers`);
    }
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Sets one pixel (ignored outside the raster). */
  set(x: number, y: number, [r, g, b]: Rgb): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const at = (py * this.width + px) * 4;
    this.data[at] = r;
    this.data[at + 1] = g;
    this.data[at + 2] = b;
    this.data[at + 3] = 255;
  }

  /** Fills the w×h rectangle whose top-left corner is (x, y). */
  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    for (let j = Math.max(0, y); j < Math.min(this.height, y + h); j++) {
      for (let i = Math.max(0, x); i < Math.min(this.width, x + w); i++) this.set(i, j, color);
    }
  }

  /**
   * Writes `text` in the built-in 3×5 font magnified `scale` times, with its
   * top-left corner at (x, y); lower-case letters are drawn as capitals.
   */
  text(x: number, y: number, text: string, color: Rgb, scale = 2): void {
    [...text.toUpperCase()].forEach((ch, k) => {
      const rows = glyph(ch);
      const left = x + k * (GLYPH_WIDTH + 1) * scale;
      rows.forEach((row, j) => {
        for (let i = 0; i < GLYPH_WIDTH; i++) {
          if (row[i] === '#') this.fillRect(left + i * scale, y + j * scale, scale, scale, color);
        }
      });
    });
  }

  /** Width in pixels of `text` as {@link Canvas.text} draws it. */
  static textWidth(text: string, scale = 2): number {
    return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + 1) - 1) * scale;
  }

  /** Height in pixels of one line of text at `scale`. */
  static textHeight(scale = 2): number {
    return GLYPH_HEIGHT * scale;
  }
}
