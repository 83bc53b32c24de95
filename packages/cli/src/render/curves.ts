import { Resvg } from '@resvg/resvg-js';
import { View, parse } from 'vega';
import { compile } from 'vega-lite';
import type { EpochRecord } from '../training/epoch-record.js';
import { type CurvePoint, curvesSpec } from './curves-spec.js';

/** The points of the curves of `epochs`; a value not measured (NaN, e.g. no validation split) is no point. */
export function epochPoints(epochs: readonly EpochRecord[]): CurvePoint[] {
  return epochs.flatMap((e) =>
    (
      [
        { x: e.epoch, metric: 'loss', split: 'train', value: e.trainLoss },
        { x: e.epoch, metric: 'loss', split: 'validation', value: e.valLoss },
        { x: e.epoch, metric: 'accuracy', split: 'train', value: e.trainAccuracy },
        { x: e.epoch, metric: 'accuracy', split: 'validation', value: e.valAccuracy },
      ] as const
    ).filter((p) => Number.isFinite(p.value)),
  );
}

/**
 * Loss and accuracy per epoch, training and validation, as SVG: the
 * playground's chart spec ({@link curvesSpec}) rendered by Vega's headless
 * SVG renderer, which needs no canvas.
 */
export async function curvesSvg(epochs: readonly EpochRecord[]): Promise<string> {
  const spec = curvesSpec({ xTitle: 'epoch', values: epochPoints(epochs), markers: true });
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes an SVG to PNG bytes with resvg, text in the system's fonts. */
export function svgToPng(svg: string): Uint8Array {
  const resvg = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return resvg.render().asPng();
}
