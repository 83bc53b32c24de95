import type { TopLevelSpec } from 'vega-lite';
import { type Tile, scaleFor, tileUrl } from './tiles.js';
import { DARK } from './vega.js';

/** A first-layer conv weight as flat values in OIHW order and its shape. */
export interface ConvWeight {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [outChannels: number, inChannels: number, height: number, width: number];
}

/**
 * The kernels of a conv weight as a grid, each kernel stretched to its own
 * min/max, as a Vega-Lite spec. Three input channels are shown as one colour
 * tile per kernel (the way RGB filters are usually pictured), numbered;
 * otherwise every (out, in) slice is a grey tile, a row per output channel
 * and a column per input channel.
 */
export function filtersSpec(weight: ConvWeight): TopLevelSpec {
  const [o, i, h, w] = weight.shape;
  const per = h * w;
  const scale = scaleFor(Math.max(h, w), 64);
  const url = (tile: Tile) => tileUrl(tile, scale);
  const cell = {
    width: w * scale,
    height: h * scale,
    mark: { type: 'image', width: w * scale, height: h * scale, align: 'left', baseline: 'top' },
    encoding: { url: { field: 'url', type: 'nominal' }, x: { value: 0 }, y: { value: 0 } },
  } as const;
  const common = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', padding: 8, config: DARK } as const;
  if (i === 1 || i === 3) {
    const values = Array.from({ length: o }, (_, k) => ({
      filter: k + 1,
      url: url({ data: slice(weight.data, k * i * per, i * per), channels: i, height: h, width: w }),
    }));
    return {
      ...common,
      data: { values },
      facet: { field: 'filter', type: 'ordinal', header: { title: null, labelOrient: 'bottom' } },
      columns: Math.min(o, 8),
      spec: cell,
    };
  }
  const values = Array.from({ length: o * i }, (_, k) => ({
    out: Math.floor(k / i) + 1,
    in: (k % i) + 1,
    url: url({ data: slice(weight.data, k * per, per), channels: 1, height: h, width: w }),
  }));
  return {
    ...common,
    data: { values },
    facet: {
      row: { field: 'out', type: 'ordinal', header: { title: 'output channel' } },
      column: { field: 'in', type: 'ordinal', header: { title: 'input channel' } },
    },
    spec: cell,
  };
}

function slice(data: ArrayLike<number>, start: number, length: number): Float64Array {
  return Float64Array.from({ length }, (_, k) => data[start + k]!);
}
