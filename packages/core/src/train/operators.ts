import { type MonoTypeOperatorFunction, Observable, concatMap, defer, from, map, of, takeWhile } from 'rxjs';
import { ArgumentError } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import type { BatchEndEvent, EpochEndEvent, TrainEvent } from './events.js';
import { BestTracker, type Monitor, type MonitorMode, defaultMode, monitoredValue } from './monitor.js';

/** Options of earlyStopping, as Keras' EarlyStopping callback. */
export interface EarlyStoppingOptions {
  /** The quantity watched at each epoch end ('validation.loss'). */
  readonly monitor?: Monitor;
  /** Epochs without improvement tolerated before stopping (0: stop at the first). */
  readonly patience?: number;
  /** Smallest change that counts as an improvement (0). */
  readonly minDelta?: number;
  /** 'min' or 'max' (default: 'min' for losses, else 'max'). */
  readonly mode?: MonitorMode;
}

/**
 * Completes the stream — which unsubscribes from fit and so stops training —
 * after the epoch at which the monitored quantity has not improved for more
 * than `patience` epochs. That epochEnd is still delivered.
 *
 * @example
 * ```ts
 * fit(model, { train, validation, epochs: 100, optimizer })
 *   .pipe(earlyStopping({ monitor: 'validation.loss', patience: 3 }))
 *   .subscribe(console.log);
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): MonoTypeOperatorFunction<TrainEvent> {
  checkOptions('earlyStopping', options, ['monitor', 'patience', 'minDelta', 'mode']);
  const monitor = options.monitor ?? 'validation.loss';
  const patience = options.patience ?? 0;
  if (!Number.isInteger(patience) || patience < 0)
    throw new ArgumentError('earlyStopping', `patience must be a non-negative integer, got ${patience}`);
  return (source) =>
    defer(() => {
      const best = new BestTracker(options.mode ?? defaultMode(monitor), options.minDelta ?? 0);
      let wait = 0;
      return source.pipe(
        takeWhile((e) => {
          if (e.type !== 'epochEnd') return true;
          wait = best.offer(monitoredValue('earlyStopping', e, monitor)) ? 0 : wait + 1;
          return wait <= patience;
        }, true),
      );
    });
}

/** Options of checkpoint. */
export interface CheckpointOptions {
  /** Save only when this quantity improves (default: save every epoch). */
  readonly monitor?: Monitor;
  readonly mode?: MonitorMode;
}

/**
 * Calls `handler` at epoch ends (every one, or only on improvement of
 * `monitor`) and waits for the promise it returns before passing further
 * events on. Training itself does not wait: read the model synchronously in
 * the handler (e.g. serialize `model.stateDict()` first, then await the
 * write). A handler that throws or rejects errors the stream, which stops
 * training.
 *
 * @example
 * ```ts
 * fit(model, options).pipe(checkpoint(async (e) => {
 *   const weights = [...model.stateDict()].map(([k, t]) => [k, Array.from(t.dataSync())]);
 *   await writeFile(`epoch-${e.epoch}.json`, JSON.stringify(weights));
 * }, { monitor: 'validation.accuracy' }));
 * ```
 */
export function checkpoint(
  handler: (event: EpochEndEvent) => void | Promise<void>,
  options: CheckpointOptions = {},
): MonoTypeOperatorFunction<TrainEvent> {
  const { monitor } = checkOptions('checkpoint', options, ['monitor', 'mode']);
  return (source) =>
    defer(() => {
      const best = monitor ? new BestTracker(options.mode ?? defaultMode(monitor)) : undefined;
      return source.pipe(
        concatMap((e) => {
          if (e.type !== 'epochEnd' || (monitor && !best!.offer(monitoredValue('checkpoint', e, monitor))))
            return of(e);
          return from(Promise.resolve().then(() => handler(e))).pipe(map(() => e));
        }),
      );
    });
}

/**
 * Lets at most one batchEnd through per `ms` milliseconds (RxJS has no
 * backpressure, so sample progress rather than buffer it). Other events pass
 * at once, and the latest held-back batchEnd is delivered just before them,
 * so each epoch's final batch is always seen and order is preserved.
 *
 * @example
 * ```ts
 * fit(model, options).pipe(throttleProgress(100), progressBar()).subscribe();
 * ```
 */
export function throttleProgress(ms: number): MonoTypeOperatorFunction<TrainEvent> {
  if (!(ms >= 0)) throw new ArgumentError('throttleProgress', `ms must be non-negative, got ${ms}`);
  return (source) =>
    new Observable<TrainEvent>((subscriber) => {
      let last = -Infinity;
      let pending: BatchEndEvent | undefined;
      const flush = (): void => {
        if (pending) subscriber.next(pending);
        pending = undefined;
      };
      return source.subscribe({
        next: (e) => {
          if (e.type !== 'batchEnd') {
            flush();
            subscriber.next(e);
            return;
          }
          const now = performance.now();
          if (now - last >= ms) {
            last = now;
            pending = undefined;
            subscriber.next(e);
          } else {
            pending = e;
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
    });
}
