import { Canvas } from './canvas.js';
import { drawTile, scaleFor, type Tile } from './tiles.js';

const GAP = 8;
const LABEL_SCALE = 2;
const INK = [230, 230, 230] as const;
const BACKGROUND = [40, 40, 40] as const;

/** The outputs of one layer for one image: C×H×W values. */
export interface FeatureMaps {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [channels: number, height: number, width: number];
}

/**
 * The input image on the left and the layer's C output maps in a grid to its
 * right, each map stretched to its own min/max, under the labels 'input' and
 * `label`.
 */
export function renderFeatureMaps(input: Tile, maps: FeatureMaps, label = 'first conv layer'): Canvas {
  const [c, h, w] = maps.shape;
  const scale = scaleFor(Math.max(h, w, input.height, input.width), 112);
  const columns = Math.ceil(Math.sqrt(c));
  const rows = Math.ceil(c / columns);
  const labelH = Canvas.textHeight(LABEL_SCALE) + GAP;
  const inputW = input.width * scale;
  const gridLeft = GAP + inputW + 3 * GAP;
  const width = Math.max(gridLeft + columns * (w * scale + GAP), gridLeft + Canvas.textWidth(label, LABEL_SCALE) + GAP);
  const height = GAP + labelH + Math.max(input.height * scale, rows * (h * scale + GAP) - GAP) + GAP;
  const canvas = new Canvas(width, height, BACKGROUND);
  canvas.text(GAP, GAP, 'input', INK, LABEL_SCALE);
  canvas.text(gridLeft, GAP, label, INK, LABEL_SCALE);
  const top = GAP + labelH;
  drawTile(canvas, input, GAP, top, scale);
  const plane = h * w;
  for (let k = 0; k < c; k++) {
    const data = Float64Array.from({ length: plane }, (_, p) => maps.data[k * plane + p]!);
    const x = gridLeft + (k % columns) * (w * scale + GAP);
    const y = top + Math.floor(k / columns) * (h * scale + GAP);
    drawTile(canvas, { data, channels: 1, height: h, width: w }, x, y, scale);
  }
  return canvas;
}
