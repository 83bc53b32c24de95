import type { TopLevelSpec } from 'vega-lite';
import { type Tile, scaleFor, tileUrl } from './tiles.js';
import { DARK } from './vega.js';

/** The outputs of one layer for one image: C×H×W values. */
export interface FeatureMaps {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [channels: number, height: number, width: number];
}

/** An image mark filling a width×height cell with the tile at `url`. */
function cell(width: number, height: number) {
  return {
    width,
    height,
    mark: { type: 'image', width, height, align: 'left', baseline: 'top' },
    encoding: { url: { field: 'url', type: 'nominal' }, x: { value: 0 }, y: { value: 0 } },
  } as const;
}

/**
 * The input image on the left and the layer's C output maps, numbered, in a
 * grid to its right, each map stretched to its own min/max, under the titles
 * 'input' and `label`: a Vega-Lite spec.
 */
export function featureMapsSpec(input: Tile, maps: FeatureMaps, label = 'first conv layer'): TopLevelSpec {
  const [c, h, w] = maps.shape;
  const scale = scaleFor(Math.max(h, w, input.height, input.width), 112);
  const plane = h * w;
  const values = Array.from({ length: c }, (_, k) => ({
    map: k + 1,
    url: tileUrl(
      {
        data: Float64Array.from({ length: plane }, (_, p) => maps.data[k * plane + p]!),
        channels: 1,
        height: h,
        width: w,
      },
      scale,
    ),
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    hconcat: [
      {
        title: 'input',
        data: { values: [{ url: tileUrl(input, scale) }] },
        ...cell(input.width * scale, input.height * scale),
      },
      {
        title: label,
        data: { values },
        facet: { field: 'map', type: 'ordinal', header: { title: null, labelOrient: 'bottom' } },
        columns: Math.ceil(Math.sqrt(c)),
        spec: cell(w * scale, h * scale),
      },
    ],
    spacing: 24,
    padding: 8,
    config: DARK,
  };
}
