import { type MonoTypeOperatorFunction, defer, tap } from 'rxjs';
import type { Optimizer } from '../optim/optimizer.js';
import { PLATEAU_KEYS, type PlateauOptions, PlateauScheduler } from '../optim/plateau.js';
import { checkOptions } from '../util/options.js';
import type { TrainEvent } from './events.js';
import { type Monitor, defaultMode, monitoredValue } from './monitor.js';

/** Options of reduceLROnPlateau: what to watch, and torch's ReduceLROnPlateau options. */
export interface ReduceLROnPlateauOptions extends PlateauOptions {
  /** The epoch-end quantity watched ('validation.loss'). */
  readonly monitor?: Monitor;
  /** Called after each reduction with the epoch and the new lr of every group. */
  readonly onReduce?: (epoch: number, lrs: readonly number[]) => void;
}

/**
 * Reduces the optimizer's learning rates when the monitored quantity stops
 * improving, as torch.optim.lr_scheduler.ReduceLROnPlateau stepped once per
 * epoch with it. It reads each epochEnd as it passes and passes every event
 * on unchanged; fit waits for the epochEnd to be delivered before starting
 * the next epoch, so the new lr applies from that epoch's first step. Put it
 * before operators that delay events (checkpoint). The default mode is
 * 'min' for losses and 'max' for other quantities, as earlyStopping's.
 * Each subscription starts afresh (best value, counters).
 *
 * @example
 * ```ts
 * fit(model, { train, validation, epochs: 50, optimizer: opt })
 *   .pipe(reduceLROnPlateau(opt, { patience: 3, factor: 0.5, minLr: 1e-5 }), earlyStopping({ patience: 8 }))
 *   .subscribe();
 * ```
 */
export function reduceLROnPlateau(
  optimizer: Optimizer,
  options: ReduceLROnPlateauOptions = {},
): MonoTypeOperatorFunction<TrainEvent> {
  const {
    monitor = 'validation.loss',
    onReduce,
    ...rest
  } = checkOptions('reduceLROnPlateau', options, [...PLATEAU_KEYS, 'monitor', 'onReduce']);
  const plateauOptions: PlateauOptions = { mode: rest.mode ?? defaultMode(monitor), ...rest };
  // Built once here so bad options fail at the call, not at subscribe.
  new PlateauScheduler(optimizer, plateauOptions, 'reduceLROnPlateau');
  return (source) =>
    defer(() => {
      const plateau = new PlateauScheduler(optimizer, plateauOptions, 'reduceLROnPlateau');
      return source.pipe(
        tap((e) => {
          if (e.type !== 'epochEnd') return;
          if (plateau.step(monitoredValue('reduceLROnPlateau', e, monitor)))
            onReduce?.(
              e.epoch,
              optimizer.paramGroups.map((g) => g.lr),
            );
        }),
      );
    });
}
