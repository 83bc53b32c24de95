import type { Module } from '@gradstream/core/nn';
import {
  fit,
  progressBar,
  throttleProgress,
  type BatchEndEvent,
  type FitOptions,
  type TrainEvent,
} from '@gradstream/core/train';
import { tap } from 'rxjs';
import type { Output } from '../program/context.js';
import type { EpochRecord } from './epoch-record.js';

/** How a training run ended. */
export interface RunOutcome {
  /** Finished epochs only; an interrupted epoch leaves no record. */
  readonly epochs: readonly EpochRecord[];
  readonly interrupted: boolean;
  /** Optimizer steps applied to the model: every batch trained, the unfinished epoch's included. */
  readonly steps: number;
  /** The last batch that finished (both 1-based, where an interrupted run stopped) and its epoch's throughput so far. */
  readonly lastBatch?: { readonly epoch: number; readonly batch: number; readonly samplesPerSec: number };
}

/**
 * Runs `fit` to completion or until `signal` aborts (then unsubscribes, which
 * stops the loop at the next batch boundary), drawing core's progress bar on
 * `progress` and collecting a record per finished epoch. Rejects with fit's
 * error notification (a non-finite loss, a failing kernel).
 */
export function runTraining(
  model: Module,
  options: FitOptions,
  signal: AbortSignal,
  progress: Output,
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const records: EpochRecord[] = [];
    let lastBatch: BatchEndEvent | undefined;
    // fit emits batchEnd synchronously after each optimizer step, before an abort can unsubscribe, so this count is exact.
    let steps = 0;
    let previousMs = 0;
    const collect = (e: TrainEvent): void => {
      if (e.type === 'batchEnd') {
        lastBatch = e;
        steps++;
      }
      if (e.type !== 'epochEnd') return;
      records.push({
        epoch: e.epoch + 1,
        trainLoss: e.train.loss,
        trainAccuracy: e.train.accuracy ?? NaN,
        valLoss: e.validation?.loss ?? NaN,
        valAccuracy: e.validation?.accuracy ?? NaN,
        seconds: (e.elapsedMs - previousMs) / 1000,
        // fit reports the epoch's running training throughput with each batch; the last one covers the epoch.
        samplesPerSec: lastBatch?.samplesPerSec ?? NaN,
      });
      previousMs = e.elapsedMs;
    };
    const outcome = (interrupted: boolean): RunOutcome => ({
      epochs: records,
      interrupted,
      steps,
      ...(lastBatch && {
        lastBatch: { epoch: lastBatch.epoch + 1, batch: lastBatch.batch + 1, samplesPerSec: lastBatch.samplesPerSec },
      }),
    });
    const stop = (): void => {
      subscription.unsubscribe();
      resolve(outcome(true));
    };
    const subscription = fit(model, options)
      .pipe(tap(collect), throttleProgress(100), progressBar({ stream: progress }))
      .subscribe({
        error: (e: unknown) => {
          signal.removeEventListener('abort', stop);
          reject(e);
        },
        complete: () => {
          signal.removeEventListener('abort', stop);
          resolve(outcome(false));
        },
      });
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
}
