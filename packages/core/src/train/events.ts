/** A loss and metric averages over some batches, e.g. `{ loss: 0.12, accuracy: 0.97 }`. */
export type MetricValues = { readonly loss: number } & Readonly<Record<string, number>>;

/** The run begins. `stepsPerEpoch` is known when the training data has a `length` (as DataLoader does). */
export interface TrainStartEvent {
  readonly type: 'trainStart';
  readonly epochs: number;
  readonly stepsPerEpoch: number | undefined;
}

/** An epoch (zero-based) begins. */
export interface EpochStartEvent {
  readonly type: 'epochStart';
  readonly epoch: number;
}

/**
 * One batch is done: an optimizer step, or with `accumulate: k` one batch of a
 * window (the optimizer steps at the window's last batch). `step` counts
 * batches over the run, `batch` within the epoch (both zero-based).
 */
export interface BatchEndEvent {
  readonly type: 'batchEnd';
  readonly epoch: number;
  readonly step: number;
  readonly batch: number;
  /** This batch's loss. */
  readonly loss: number;
  /** This batch's metrics (e.g. accuracy). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Training throughput so far in this epoch. */
  readonly samplesPerSec: number;
  /** Since trainStart. */
  readonly elapsedMs: number;
}

/** An epoch is done: sample-weighted averages over its training batches, and over the validation data if given. */
export interface EpochEndEvent {
  readonly type: 'epochEnd';
  readonly epoch: number;
  readonly train: MetricValues;
  readonly validation?: MetricValues;
  readonly elapsedMs: number;
}

/** Every epoch ran. (A stream stopped early completes or errors without one.) */
export interface TrainEndEvent {
  readonly type: 'trainEnd';
  readonly epochs: number;
  readonly steps: number;
  readonly elapsedMs: number;
}

/**
 * What `fit` emits, discriminated on `type`.
 *
 * @example
 * ```ts
 * fit(model, options).pipe(filter((e): e is EpochEndEvent => e.type === 'epochEnd')).subscribe((e) => console.log(e.epoch, e.train.loss));
 * ```
 */
export type TrainEvent = TrainStartEvent | EpochStartEvent | BatchEndEvent | EpochEndEvent | TrainEndEvent;
