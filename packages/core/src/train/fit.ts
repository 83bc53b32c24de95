import { Observable } from 'rxjs';
import { variableGrads } from '../autograd/grad.js';
import { crossEntropy, type LossFn } from '../nn/loss.js';
import type { Module } from '../nn/module.js';
import { clipGradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import { tidy } from '../tensor/engine.js';
import { Random, globalRandom, withGenerator } from '../tensor/random.js';
import { ArgumentError, GradstreamError } from '../util/errors.js';
import type { TrainEvent } from './events.js';
import { type Batch, disposeBatch, evaluateBatches } from './evaluate.js';
import { yieldToEventLoop } from './event-loop.js';
import { MetricAverager, type MetricSpec, type Metrics, batchMetrics, resolveMetrics } from './metrics.js';

/** Options of fit. */
export interface FitOptions {
  /** Training batches; iterated afresh each epoch. fit disposes every batch after its step. */
  readonly train: AsyncIterable<Batch>;
  /** Evaluated after each epoch (eval mode, no gradients). */
  readonly validation?: AsyncIterable<Batch>;
  readonly epochs: number;
  /** Updates `optimizer.params`, which need not be all of the model's (freeze layers by leaving them out). */
  readonly optimizer: Optimizer;
  /** Output and targets to a scalar (crossEntropy). */
  readonly loss?: LossFn;
  /** Reported per batch and per epoch (['accuracy']; [] for regression). */
  readonly metrics?: readonly MetricSpec[];
  /** Clip the global gradient norm to this before each step. */
  readonly clipNorm?: number;
}

/** Training failed at a known place: a non-finite loss, or training data without batches. */
export class TrainingError extends GradstreamError {
  constructor(
    message: string,
    readonly epoch: number,
    readonly step: number,
  ) {
    super('fit', message);
  }
}

function lengthOf(data: AsyncIterable<Batch>): number | undefined {
  const n = (data as { readonly length?: unknown }).length;
  return typeof n === 'number' ? n : undefined;
}

/** Forward, loss, backward and update for one batch; everything it allocates is freed before it returns. */
function trainStep(
  model: Module,
  batch: Batch,
  options: FitOptions,
  loss: LossFn,
  metrics: Metrics,
  at: { epoch: number; step: number; batch: number },
): { loss: number; metrics: Record<string, number> } {
  return tidy(() => {
    let values: Record<string, number> = {};
    const { value, grads } = variableGrads(() => {
      const out = model.call(batch.x);
      values = batchMetrics(metrics, out, batch.y);
      return loss(out, batch.y);
    }, options.optimizer.params);
    const lossValue = value.item();
    if (!Number.isFinite(lossValue)) {
      throw new TrainingError(
        `loss is ${lossValue} at epoch ${at.epoch}, step ${at.step} (batch ${at.batch} of the epoch); the parameters were not updated`,
        at.epoch,
        at.step,
      );
    }
    options.optimizer.step(options.clipNorm === undefined ? grads : clipGradNorm(grads, options.clipNorm).grads);
    return { loss: lossValue, metrics: values };
  });
}

async function run(
  model: Module,
  options: FitOptions,
  emit: (e: TrainEvent) => void,
  stopped: () => boolean,
): Promise<void> {
  // The run's own generator, seeded from the global one at subscribe: after
  // setSeed the run is reproducible, and a concurrent run cannot shift its
  // dropout masks.
  const rng = new Random(globalRandom.nextUint32());
  const loss = options.loss ?? crossEntropy;
  const metrics = resolveMetrics(options.metrics ?? ['accuracy']);
  const start = performance.now();
  const elapsed = (): number => performance.now() - start;
  const wasTraining = model.training;
  let step = 0;
  emit({ type: 'trainStart', epochs: options.epochs, stepsPerEpoch: lengthOf(options.train) });
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      if (stopped()) return;
      emit({ type: 'epochStart', epoch });
      const avg = new MetricAverager();
      const epochStart = performance.now();
      let batch = 0;
      model.train();
      for await (const b of options.train) {
        let result: ReturnType<typeof trainStep>;
        try {
          // Leaving the loop also returns the iterator, so the data source can clean up.
          if (stopped()) return;
          result = withGenerator(rng, () => trainStep(model, b, options, loss, metrics, { epoch, step, batch }));
          avg.add(b.x.shape[0] ?? 1, result.loss, result.metrics);
        } finally {
          disposeBatch(b);
        }
        const seconds = (performance.now() - epochStart) / 1000;
        emit({
          type: 'batchEnd',
          epoch,
          step,
          batch,
          loss: result.loss,
          metrics: result.metrics,
          samplesPerSec: seconds > 0 ? avg.count / seconds : 0,
          elapsedMs: elapsed(),
        });
        step++;
        batch++;
        if (stopped()) return;
        await yieldToEventLoop();
        if (stopped()) return;
      }
      if (batch === 0) throw new TrainingError(`the training data yielded no batches in epoch ${epoch}`, epoch, step);
      const validation = options.validation
        ? await evaluateBatches(model, options.validation, loss, metrics, stopped)
        : undefined;
      if (stopped()) return;
      emit({
        type: 'epochEnd',
        epoch,
        train: avg.result(),
        ...(validation ? { validation } : {}),
        elapsedMs: elapsed(),
      });
    }
    emit({ type: 'trainEnd', epochs: options.epochs, steps: step, elapsedMs: elapsed() });
  } finally {
    model.train(wasTraining);
  }
}

/**
 * Trains `model` and reports progress as a cold Observable: nothing runs
 * until subscribe, each subscription is a run of its own (over the same
 * model and optimizer, with its own random generator for dropout, seeded
 * from the global one when it starts), and unsubscribing stops at the next batch boundary
 * with everything the run allocated freed. Each step runs in a tidy scope;
 * the loop yields to the event loop between batches. A non-finite loss
 * (TrainingError naming the epoch and step) or a failing kernel arrives as
 * an error notification, before the parameters are touched.
 *
 * @example
 * ```ts
 * const last = await lastValueFrom(
 *   fit(model, { train, validation, epochs: 10, optimizer: adam(model.parameters()) }).pipe(
 *     filter((e) => e.type === 'epochEnd'),
 *     takeWhile((e) => e.validation!.accuracy < 0.99, true),
 *   ),
 * );
 * ```
 */
export function fit(model: Module, options: FitOptions): Observable<TrainEvent> {
  if (!Number.isInteger(options.epochs) || options.epochs < 1)
    throw new ArgumentError('fit', `epochs must be a positive integer, got ${options.epochs}`);
  if (options.clipNorm !== undefined && !(options.clipNorm > 0))
    throw new ArgumentError('fit', `clipNorm must be positive, got ${options.clipNorm}`);
  return new Observable<TrainEvent>((subscriber) => {
    // An unsubscribed subscriber is closed; the loop checks it at every batch boundary.
    run(
      model,
      options,
      (e) => subscriber.next(e),
      () => subscriber.closed,
    ).then(
      () => subscriber.complete(),
      (e: unknown) => subscriber.error(e),
    );
  });
}
