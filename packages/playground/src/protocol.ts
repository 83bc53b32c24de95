/**
 * The messages between the page and the training worker. The page owns the
 * views and a copy of the model for them; the worker owns the model that
 * trains, its optimizer and the training data, so fit()'s kernels (and their
 * waits on the wasm threads) never run on the page's thread.
 */
import type { Engine } from './backend.js';
import type { TrainSettings } from './training.js';

/** Settings for a new run: the training ones plus where to train. */
export interface RunSettings extends TrainSettings {
  readonly backend: Engine['backend'];
  readonly threads: number;
}

/** Page → worker. `start` trains a new model from scratch; `resume` continues the current one. */
export type ToWorker =
  | { readonly type: 'init'; readonly mnistUrl: string; readonly threads: number }
  | { readonly type: 'start'; readonly settings: RunSettings }
  | { readonly type: 'resume'; readonly settings: RunSettings }
  | { readonly type: 'stop' }
  /** Weights loaded in the page, to train on from here. */
  | { readonly type: 'load'; readonly settings: RunSettings; readonly weights: Uint8Array };

/** Live tensors and their bytes in the worker (where the training's tensors live). */
export interface WorkerMemory {
  readonly numTensors: number;
  readonly numBytes: number;
}

/** Worker → page. */
export type FromWorker =
  | { readonly type: 'ready'; readonly engine: Engine; readonly trainImages: number; readonly memory: WorkerMemory }
  | { readonly type: 'engine'; readonly engine: Engine }
  /** After every batch: the smoothed loss and accuracy so far. */
  | {
      readonly type: 'step';
      readonly step: number;
      readonly loss: number;
      readonly accuracy: number;
      readonly samplesPerSec: number;
      readonly memory: WorkerMemory;
    }
  /** Held-out accuracy of the worker's model at `step`. */
  | { readonly type: 'heldOut'; readonly step: number; readonly accuracy: number }
  /** The worker's weights, for the page's copy of the model (sampled while training, and at the end of a run). */
  | { readonly type: 'weights'; readonly step: number; readonly weights: Uint8Array }
  /** The run ended (Stop, or weights loaded): no step follows until the next start or resume. */
  | { readonly type: 'stopped'; readonly step: number; readonly memory: WorkerMemory }
  | { readonly type: 'failed'; readonly message: string };
