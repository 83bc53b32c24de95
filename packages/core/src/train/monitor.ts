import { ArgumentError } from '../util/errors.js';
import type { EpochEndEvent } from './events.js';

/** An epoch-end quantity: 'validation.loss', 'train.accuracy', … */
export type Monitor = `${'train' | 'validation'}.${string}`;

/** Whether smaller or larger values of the monitored quantity are better. */
export type MonitorMode = 'min' | 'max';

/** The default mode: 'min' for losses, 'max' for everything else (accuracy). */
export function defaultMode(monitor: Monitor): MonitorMode {
  return monitor.endsWith('loss') ? 'min' : 'max';
}

export function monitoredValue(op: string, e: EpochEndEvent, monitor: Monitor): number {
  const dot = monitor.indexOf('.');
  const split = monitor.slice(0, dot) as 'train' | 'validation';
  const name = monitor.slice(dot + 1);
  const values = e[split];
  const v = values?.[name];
  if (v === undefined) {
    throw new ArgumentError(
      op,
      `cannot monitor '${monitor}': epoch ${e.epoch} reports ${
        values
          ? Object.keys(values)
              .map((k) => `${split}.${k}`)
              .join(', ')
          : `no ${split} metrics (pass validation data to fit)`
      }`,
    );
  }
  return v;
}

/** Tracks the best value so far; `improves` is true when v beats it by more than minDelta. */
export class BestTracker {
  private best: number;

  constructor(
    private readonly mode: MonitorMode,
    private readonly minDelta = 0,
  ) {
    this.best = mode === 'min' ? Infinity : -Infinity;
  }

  /** Records v; returns whether it improved on the best. */
  offer(v: number): boolean {
    const improved = this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
    if (improved) this.best = v;
    return improved;
  }
}
