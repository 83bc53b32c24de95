import { Observable } from 'rxjs';
import { variableGrads } from '../autograd/grad.js';
import { crossEntropy, type LossFn } from '../nn/loss.js';
import type { Module } from '../nn/module.js';
import { clipGradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import { add, mul } from '../ops/elementwise.js';
import { noGrad } from '../ops/gradient-control.js';
import { keep, tidy } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { Random, globalRandom, withGenerator } from '../tensor/random.js';
import { ArgumentError, GradstreamError } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
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
  /** Updates `optimizer.params`, which need not be all of the model's; frozen parameters (requiresGrad false) are left as they are. */
  readonly optimizer: Optimizer;
  /** Output and targets to a scalar (crossEntropy). */
  readonly loss?: LossFn;
  /** Reported per batch and per epoch (['accuracy']; [] for regression). */
  readonly metrics?: readonly MetricSpec[];
  /** Clip the global gradient norm to this before each step (of the accumulated gradient when accumulating). */
  readonly clipNorm?: number;
  /**
   * Gradient accumulation (1): each batch's loss is scaled by 1/k before the
   * backward pass and the gradients are summed, so the optimizer steps every
   * k batches on the mean gradient of k batches, as PyTorch users write by
   * hand (`(loss / k).backward()`, `optimizer.step()` every k). An epoch whose
   * batch count is not a multiple of k ends with a partial window of r < k
   * batches: it still steps, on the mean of its r gradients (the sum scaled
   * by k/r), so no batch is dropped or under-weighted. Windows never span two
   * epochs; a run stopped mid-window discards that window. Each batch still
   * emits its batchEnd, with its own unscaled loss.
   */
  readonly accumulate?: number;
}

const FIT_OPTIONS = [
  'train',
  'validation',
  'epochs',
  'optimizer',
  'loss',
  'metrics',
  'clipNorm',
  'accumulate',
] as const satisfies readonly (keyof FitOptions)[];

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

/** Clips (when asked) and applies gradients. */
function applyStep(options: FitOptions, grads: readonly Tensor[]): void {
  options.optimizer.step(options.clipNorm === undefined ? grads : clipGradNorm(grads, options.clipNorm).grads);
}

/**
 * Forward, loss, backward and, unless the batch only adds to an
 * accumulation window, the update; everything it allocates is freed before
 * it returns (the window's sums are kept by `window`).
 */
function trainStep(
  model: Module,
  batch: Batch,
  options: FitOptions,
  loss: LossFn,
  metrics: Metrics,
  window: GradientWindow,
  at: { epoch: number; step: number; batch: number },
): { loss: number; metrics: Record<string, number> } {
  return tidy(() => {
    let values: Record<string, number> = {};
    let lossValue = Number.NaN;
    const { grads } = variableGrads(() => {
      const out = model.call(batch.x);
      values = batchMetrics(metrics, out, batch.y);
      const raw = loss(out, batch.y);
      // Read here: variableGrads frees the unscaled loss when it returns.
      lossValue = raw.item();
      return window.size === 1 ? raw : mul(raw, 1 / window.size);
    }, options.optimizer.params);
    if (!Number.isFinite(lossValue)) {
      throw new TrainingError(
        `loss is ${lossValue} at epoch ${at.epoch}, step ${at.step} (batch ${at.batch} of the epoch); the parameters were not updated`,
        at.epoch,
        at.step,
      );
    }
    if (window.size === 1) applyStep(options, grads);
    else if (window.add(grads)) window.flush((summed) => applyStep(options, summed));
    return { loss: lossValue, metrics: values };
  });
}

/** Sums of gradients over an accumulation window of `size` batches, kept out of tidy scopes. */
class GradientWindow {
  private sums: Tensor[] | undefined;
  private count = 0;

  constructor(readonly size: number) {}

  /** Adds one batch's (already 1/size-scaled) gradients; returns whether the window is full. */
  add(grads: readonly Tensor[]): boolean {
    const old = this.sums;
    // The first batch's gradients are copied, not kept: a gradient hook may have returned a tensor someone else owns.
    this.sums = noGrad(() => grads.map((g, i) => keep(old ? add(old[i]!, g) : add(g, 0))));
    if (old) for (const t of old) t.dispose();
    this.count++;
    return this.count === this.size;
  }

  /** Hands the window's mean gradient to `step` (a partial window rescaled by size/count) and empties it. */
  flush(step: (grads: readonly Tensor[]) => void): void {
    const sums = this.sums;
    if (!sums) return;
    const scale = this.size / this.count;
    try {
      tidy(() => step(scale === 1 ? sums : noGrad(() => sums.map((s) => mul(s, scale)))));
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    if (this.sums) for (const t of this.sums) t.dispose();
    this.sums = undefined;
    this.count = 0;
  }
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
  const window = new GradientWindow(options.accumulate ?? 1);
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
          result = withGenerator(rng, () =>
            trainStep(model, b, options, loss, metrics, window, { epoch, step, batch }),
          );
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
      window.flush((grads) => applyStep(options, grads));
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
    window.dispose();
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
  checkOptions('fit', options, [...FIT_OPTIONS]);
  if (options.accumulate !== undefined && (!Number.isInteger(options.accumulate) || options.accumulate < 1))
    throw new ArgumentError('fit', `accumulate must be a positive integer, got ${options.accumulate}`);
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
