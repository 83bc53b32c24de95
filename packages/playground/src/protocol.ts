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
  | {
      readonly type: 'init';
      readonly mnistUrl: string;
      readonly threads: number;
      /**
       * In a cross-origin isolated page, a shared word the page sets to 1 on
       * Stop: the worker reads it after every batch, so Stop does not wait in
       * the worker's message queue behind the next batch.
       */
      readonly stopFlag?: Int32Array;
    }
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

/** Test images and their labels, back to back (N×28×28). */
export interface TestImages {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly classes: readonly string[];
}

/** Worker → page. */
export type FromWorker =
  | {
      readonly type: 'ready';
      readonly engine: Engine;
      readonly trainImages: number;
      readonly memory: WorkerMemory;
      /** The held-out test images (pixels in [0, 1]) for the page's views, so each MNIST file is fetched once. */
      readonly shown: TestImages;
    }
  | { readonly type: 'engine'; readonly engine: Engine }
  /** After every batch: the smoothed loss and accuracy so far. */
  | {
      readonly type: 'step';
      readonly step: number;
      readonly loss: number;
      readonly accuracy: number;
      readonly samplesPerSec: number;
      readonly memory: WorkerMemory;
      /** When the batch ended, in ms since the epoch (performance.timeOrigin + now(), comparable across threads). */
      readonly endedAt: number;
    }
  /** Held-out accuracy of the worker's model at `step`. */
  | { readonly type: 'heldOut'; readonly step: number; readonly accuracy: number }
  /** The worker's weights, for the page's copy of the model (sampled while training, and at the end of a run). */
  | { readonly type: 'weights'; readonly step: number; readonly weights: Uint8Array }
  /** The run ended (Stop, or a training error): no step follows until the next start or resume. */
  | { readonly type: 'stopped'; readonly step: number; readonly memory: WorkerMemory }
  | { readonly type: 'failed'; readonly message: string };
