import type { ImageShape } from '@gradstream/datasets';
import { parseImageShape } from '../command-line/image-shape.js';
import { DATASET_NAMES, type DatasetName } from '../setup/datasets.js';
import { MODEL_NAMES, type ModelName } from '../setup/models.js';

/**
 * What `train` records in the safetensors header (`__metadata__`, strings
 * only) about the run that produced the weights: enough for `eval` to
 * rebuild the model without flags, and the exact point training stopped.
 */
export interface RunDescription {
  readonly model: ModelName;
  readonly dataset: DatasetName;
  /** The image shape the model was built for. */
  readonly input: ImageShape;
  readonly classes: number;
  readonly seed: number;
  readonly epochsPlanned: number;
  /** Epochs whose training and validation both finished. */
  readonly epochsCompleted: number;
  /** Optimizer steps in these weights: `epochsCompleted · stepsPerEpoch` plus the unfinished epoch's batches. */
  readonly steps: number;
  readonly stepsPerEpoch: number;
  readonly interrupted: boolean;
}

/** The header entries of a run, e.g. `{ model: 'lenet5', input: '1x28x28', steps: '1742', … }`. */
export function runMetadata(run: RunDescription): Record<string, string> {
  return {
    model: run.model,
    dataset: run.dataset,
    input: run.input.join('x'),
    classes: String(run.classes),
    seed: String(run.seed),
    epochs_planned: String(run.epochsPlanned),
    epochs_completed: String(run.epochsCompleted),
    steps: String(run.steps),
    steps_per_epoch: String(run.stepsPerEpoch),
    interrupted: String(run.interrupted),
  };
}

/** The parts of a header `eval` builds a model from; each is absent when missing or unrecognised (files from other tools). */
export interface StoredTarget {
  readonly model?: ModelName;
  readonly dataset?: DatasetName;
  readonly input?: ImageShape;
  readonly classes?: number;
}

/** Reads model, dataset, input shape and class count back from a weights file's metadata. */
export function storedTarget(metadata: Readonly<Record<string, string>>): StoredTarget {
  const model = (MODEL_NAMES as readonly string[]).includes(metadata.model ?? '')
    ? (metadata.model as ModelName)
    : undefined;
  const dataset = (DATASET_NAMES as readonly string[]).includes(metadata.dataset ?? '')
    ? (metadata.dataset as DatasetName)
    : undefined;
  const input = parseImageShape(metadata.input ?? '');
  const classes = /^[1-9]\d*$/.test(metadata.classes ?? '') ? Number(metadata.classes) : undefined;
  return {
    ...(model && { model }),
    ...(dataset && { dataset }),
    ...(input && { input }),
    ...(classes !== undefined && { classes }),
  };
}
