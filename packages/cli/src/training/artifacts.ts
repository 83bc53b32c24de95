import { join } from 'node:path';
import type { Module } from '@gradstream/core/nn';
import { saveWeights } from '@gradstream/models';
import type { ImageShape, Sample, Transform } from '@gradstream/datasets';
import { writeFileAtomic } from '../io/files.js';
import type { EpochRecord } from './epoch-record.js';
import { metricsCsv } from '../render/csv.js';
import { renderCurves } from '../render/curves.js';
import { renderFeatureMaps } from '../render/feature-maps.js';
import { renderFilters } from '../render/filters.js';
import { encodePng } from '../render/png.js';
import { convWeight, featureMaps, firstConv } from './inspect.js';

/** The file names `train` writes into its output directory. */
export const ARTIFACTS = {
  weights: 'model.safetensors',
  metrics: 'metrics.csv',
  filters: 'filters.png',
  featureMaps: 'feature-maps.png',
  curves: 'curves.png',
} as const;

/** What the pictures are made of. */
export interface ArtifactInputs {
  readonly model: Module;
  readonly epochs: readonly EpochRecord[];
  /** The image whose first-layer outputs feature-maps.png shows. */
  readonly sample: Sample;
  readonly imageShape: ImageShape;
  readonly transform?: Transform;
  /** Stored in the safetensors header (`__metadata__`). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Writes the weights, metrics.csv and the three pictures into `dir`, each
 * through a temporary file and a rename. A model without a Conv2d gets no
 * filters.png or feature-maps.png.
 * @returns the paths written.
 */
export function writeArtifacts(dir: string, a: ArtifactInputs): string[] {
  const written: string[] = [];
  const put = (name: string, data: string | Uint8Array): void => {
    const path = join(dir, name);
    writeFileAtomic(path, data);
    written.push(path);
  };
  const weightsPath = join(dir, ARTIFACTS.weights);
  saveWeights(a.model, weightsPath, a.metadata);
  written.push(weightsPath);
  put(ARTIFACTS.metrics, metricsCsv(a.epochs));
  const first = firstConv(a.model);
  if (first) {
    put(ARTIFACTS.filters, encodePng(renderFilters(convWeight(first.conv))));
    const maps = featureMaps(a.model, first.conv, a.sample, a.imageShape, a.transform);
    const [c, h, w] = a.imageShape;
    const input = { data: a.sample.image, channels: c === 3 ? 3 : 1, height: h, width: w } as const;
    put(ARTIFACTS.featureMaps, encodePng(renderFeatureMaps(input, maps, `layer ${first.name} outputs`)));
  }
  put(ARTIFACTS.curves, encodePng(renderCurves(a.epochs)));
  return written;
}
