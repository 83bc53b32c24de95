/** An RGB colour, each channel 0–255. */
export type Rgb = readonly [r: number, g: number, b: number];

/**
 * An opaque RGBA raster for the pixels of image and kernel tiles (the
 * pictures around them, text included, are drawn by Vega). Coordinates are
 * pixels from the top-left; anything drawn outside the raster is clipped, so
 * callers can draw without bounds checks.
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
}
