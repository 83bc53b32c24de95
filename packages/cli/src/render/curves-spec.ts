import type { TopLevelSpec } from 'vega-lite';

/** One value of one curve: `metric` of `split` at `x` (an epoch in the CLI, a step in the playground). */
export interface CurvePoint {
  readonly x: number;
  readonly metric: 'loss' | 'accuracy';
  readonly split: 'train' | 'validation' | 'test';
  readonly value: number;
}

/** Options of {@link curvesSpec}. */
export interface CurvesSpecOptions {
  /** Title of the x axis, e.g. 'epoch' or 'step'. */
  readonly xTitle: string;
  /** The points drawn at first; a live chart inserts more into the data set named {@link CURVES_DATA}. */
  readonly values?: readonly CurvePoint[];
  /** The splits in the legend, in this order (default train and validation). */
  readonly splits?: readonly CurvePoint['split'][];
  /** Mark each value with a dot (for a handful of epochs; a live per-step curve has too many). */
  readonly markers?: boolean;
  /** Size of each of the two panels in pixels (default 360×240). */
  readonly width?: number;
  readonly height?: number;
}

/** Name of the Vega data set holding the points, for `view.insert(CURVES_DATA, rows)`. */
export const CURVES_DATA = 'curves';

/** Colours of the splits, fixed so a curve has the same colour whichever splits a chart has. */
const SPLITS = { train: '#1f77b4', validation: '#ff7f0e', test: '#2ca02c' } as const;

/**
 * The loss and accuracy curves as a Vega-Lite spec: two panels side by side,
 * one line per split. The CLI renders it to SVG and PNG in Node and the
 * playground draws it live in the page, so a chart looks the same in both.
 *
 * @example
 * ```ts
 * const spec = curvesSpec({ xTitle: 'epoch', values: [{ x: 1, metric: 'loss', split: 'train', value: 0.3 }] });
 * const view = new View(parse(compile(spec).spec), { renderer: 'none' });
 * const svg = await view.toSVG();
 * ```
 */
export function curvesSpec(options: CurvesSpecOptions): TopLevelSpec {
  const splits = options.splits ?? ['train', 'validation'];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    datasets: { [CURVES_DATA]: (options.values ?? []) as CurvePoint[] },
    data: { name: CURVES_DATA },
    facet: {
      column: {
        field: 'metric',
        type: 'nominal',
        sort: ['loss', 'accuracy'],
        header: { title: null, labelFontSize: 14, labelFontWeight: 'bold' },
      },
    },
    spec: {
      width: options.width ?? 360,
      height: options.height ?? 240,
      mark: { type: 'line', strokeWidth: 2, point: options.markers ?? false, clip: true },
      encoding: {
        // The x axis spans the data exactly; with markers, a few pixels of padding keep the end ones inside the plot.
        x: {
          field: 'x',
          type: 'quantitative',
          title: options.xTitle,
          axis: { tickMinStep: 1 },
          scale: { nice: false, padding: options.markers ? 8 : 0 },
        },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false, nice: true, padding: 6 } },
        color: {
          field: 'split',
          type: 'nominal',
          title: null,
          scale: { domain: [...splits], range: splits.map((s) => SPLITS[s]) },
          legend: { orient: 'top' },
        },
      },
    },
    resolve: { scale: { y: 'independent' } },
    padding: 12,
    // A live chart gets its points after the first layout: size it again on every update.
    autosize: { type: 'pad', resize: true },
    config: {
      background: 'white',
      font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif',
      axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
      legend: { labelFontSize: 12 },
    },
  };
}
