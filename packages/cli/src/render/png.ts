import { PNG } from 'pngjs';
import type { Canvas } from './canvas.js';

/** Encodes a canvas as PNG bytes (8-bit RGBA) with pngjs. */
export function encodePng(canvas: Canvas): Buffer {
  const png = new PNG({ width: canvas.width, height: canvas.height });
  png.data.set(canvas.data);
  return PNG.sync.write(png);
}
