import type { EpochRecord } from '../training/epoch-record.js';
import { type CurvePoint, curvesSpec } from './curves-spec.js';
import { renderSvg } from './vega.js';

/** The points of the curves of `epochs`; a value not measured (NaN, e.g. no validation split) is no point. */
function epochPoints(epochs: readonly EpochRecord[]): CurvePoint[] {
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
export function curvesSvg(epochs: readonly EpochRecord[]): Promise<string> {
  return renderSvg(curvesSpec({ xTitle: 'epoch', values: epochPoints(epochs), markers: true }));
}
