import type { Canvas } from './canvas.js';
import { renderGrid, scaleFor, type Tile } from './tiles.js';

/** A first-layer conv weight as flat values in OIHW order and its shape. */
export interface ConvWeight {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [outChannels: number, inChannels: number, height: number, width: number];
}

/**
 * The kernels of a conv weight as a grid, each kernel stretched to its own
 * min/max. Three input channels are shown as one colour tile per kernel (the
 * way RGB filters are usually pictured); otherwise every (out, in) slice is a
 * grey tile, a row per output channel when there are several inputs.
 */
export function renderFilters(weight: ConvWeight): Canvas {
  const [o, i, h, w] = weight.shape;
  const per = h * w;
  const tiles: Tile[] = [];
  if (i === 3) {
    for (let k = 0; k < o; k++)
      tiles.push({ data: slice(weight.data, k * 3 * per, 3 * per), channels: 3, height: h, width: w });
  } else {
    for (let k = 0; k < o * i; k++)
      tiles.push({ data: slice(weight.data, k * per, per), channels: 1, height: h, width: w });
  }
  const columns = i === 1 || i === 3 ? Math.min(o, 8) : i;
  return renderGrid(tiles, { columns, scale: scaleFor(Math.max(h, w), 64), gap: 6 });
}

function slice(data: ArrayLike<number>, start: number, length: number): Float64Array {
  return Float64Array.from({ length }, (_, k) => data[start + k]!);
}
