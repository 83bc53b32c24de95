import { join } from 'node:path';
import type { Module } from '@gradstream/core/nn';
import { saveWeights, writeFileAtomic } from '@gradstream/models/node';
import type { ImageShape, Sample, Transform } from '@gradstream/datasets';
import type { EpochRecord } from './epoch-record.js';
import { metricsCsv } from '../render/csv.js';
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

/** A file that could not be written, and why. */
export interface ArtifactFailure {
  readonly path: string;
  readonly reason: string;
}

/** What `writeArtifacts` wrote and what it could not. */
export interface ArtifactsWritten {
  readonly written: readonly string[];
  readonly failed: readonly ArtifactFailure[];
}

/**
 * Writes metrics.csv, the weights and the three pictures into `dir`, each on
 * its own: a file that cannot be written (a directory of that name, a full
 * disk) is reported in `failed` and the others are still written. The
 * metrics go first, as the cheapest and the one result nothing else can
 * recreate. A model without a Conv2d gets no filters.png or feature-maps.png.
 */
export async function writeArtifacts(dir: string, a: ArtifactInputs): Promise<ArtifactsWritten> {
  const written: string[] = [];
  const failed: ArtifactFailure[] = [];
  const put = async (name: string, write: (path: string) => void | Promise<void>): Promise<void> => {
    const path = join(dir, name);
    try {
      await write(path);
      written.push(path);
    } catch (e) {
      failed.push({ path, reason: e instanceof Error ? e.message : String(e) });
    }
  };
  const file = (data: () => string | Uint8Array | Promise<string | Uint8Array>) => async (path: string) =>
    writeFileAtomic(path, await data());
  await put(
    ARTIFACTS.metrics,
    file(() => metricsCsv(a.epochs)),
  );
  await put(ARTIFACTS.weights, (path) => saveWeights(a.model, path, a.metadata));
  // Loaded only now: Vega, Vega-Lite and resvg add about 15 MB to the resident set
  // and half a second to the start, and training does not need them.
  const [{ curvesSvg }, { featureMapsSpec }, { filtersSpec }, { renderSvg, svgToPng }] = await Promise.all([
    import('../render/curves.js'),
    import('../render/feature-maps.js'),
    import('../render/filters.js'),
    import('../render/vega.js'),
  ]);
  await put(
    ARTIFACTS.curves,
    file(async () => svgToPng(await curvesSvg(a.epochs))),
  );
  const first = firstConv(a.model);
  if (first) {
    await put(
      ARTIFACTS.filters,
      file(async () => svgToPng(await renderSvg(filtersSpec(convWeight(first.conv))))),
    );
    await put(
      ARTIFACTS.featureMaps,
      file(async () => {
        const maps = featureMaps(a.model, first.conv, a.sample, a.imageShape, a.transform);
        const [c, h, w] = a.imageShape;
        const input = { data: a.sample.image, channels: c === 3 ? 3 : 1, height: h, width: w } as const;
        return svgToPng(await renderSvg(featureMapsSpec(input, maps, `layer ${first.name} outputs`)));
      }),
    );
  }
  return { written, failed };
}
