/**
 * @gradstream/core/train — `fit` as a cold Observable of training events,
 * evaluation and prediction, and RxJS operators for early stopping,
 * checkpoints and progress output.
 *
 * @example
 * ```ts
 * import { fit, earlyStopping, progressBar, throttleProgress } from '@gradstream/core/train';
 * await lastValueFrom(
 *   fit(model, { train, validation, epochs: 20, optimizer: adam(model.parameters()) })
 *     .pipe(earlyStopping({ patience: 2 }), throttleProgress(100), progressBar()),
 * );
 * ```
 */
export { fit, TrainingError, type FitOptions } from './fit.js';
export { evaluate, predict, type Batch, type EvaluateOptions } from './evaluate.js';
export type {
  TrainEvent,
  TrainStartEvent,
  EpochStartEvent,
  BatchEndEvent,
  EpochEndEvent,
  TrainEndEvent,
  MetricValues,
} from './events.js';
export type { MetricFn, MetricSpec } from './metrics.js';
export type { Monitor, MonitorMode } from './monitor.js';
export {
  earlyStopping,
  checkpoint,
  throttleProgress,
  type EarlyStoppingOptions,
  type CheckpointOptions,
} from './operators.js';
export { reduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau.js';
export {
  progressBar,
  renderBatchLine,
  renderEpochLine,
  type ProgressBarOptions,
  type ProgressStream,
} from './progress-bar.js';
export { yieldToEventLoop } from './event-loop.js';
export { gradientNorms, type GradientNormsEvent, type GradientNormsOptions } from './gradient-norms.js';
