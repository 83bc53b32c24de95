import type { Module } from '../nn/module.js';
import { crossEntropy, type LossFn } from '../nn/loss.js';
import { noGrad } from '../ops/gradient-control.js';
import { tidy } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import type { MetricValues } from './events.js';
import { yieldToEventLoop } from './event-loop.js';
import { MetricAverager, type MetricSpec, type Metrics, batchMetrics, resolveMetrics } from './metrics.js';

/** A batch of inputs and targets. Whoever it is handed to (fit, evaluate) disposes it. */
export interface Batch {
  readonly x: Tensor;
  readonly y: Tensor;
}

/** Options of evaluate. */
export interface EvaluateOptions {
  /** The loss (crossEntropy). */
  readonly loss?: LossFn;
  /** The metrics (['accuracy']). */
  readonly metrics?: readonly MetricSpec[];
}

/** Runs `fn` with the model in eval mode, restoring its mode afterwards. */
export function inEvalMode<T>(model: Module, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return fn();
  } finally {
    model.train(wasTraining);
  }
}

export function disposeBatch(batch: Batch): void {
  batch.x.dispose();
  batch.y.dispose();
}

/** Loss and metrics of one batch in eval mode, without gradients. */
function evalBatch(
  model: Module,
  batch: Batch,
  loss: LossFn,
  metrics: Metrics,
): { loss: number; metrics: Record<string, number> } {
  return inEvalMode(model, () =>
    noGrad(() =>
      tidy(() => {
        const out = model.call(batch.x);
        return { loss: loss(out, batch.y).item(), metrics: batchMetrics(metrics, out, batch.y) };
      }),
    ),
  );
}

/**
 * Averages over all batches of `data`, disposing each batch; yields to the
 * event loop between batches and returns undefined if `stopped()` turns true.
 */
export async function evaluateBatches(
  model: Module,
  data: AsyncIterable<Batch>,
  loss: LossFn,
  metrics: Metrics,
  stopped: () => boolean = () => false,
): Promise<MetricValues | undefined> {
  const avg = new MetricAverager();
  for await (const batch of data) {
    try {
      if (stopped()) return undefined;
      const r = evalBatch(model, batch, loss, metrics);
      avg.add(batch.x.shape[0] ?? 1, r.loss, r.metrics);
    } finally {
      disposeBatch(batch);
    }
    await yieldToEventLoop();
  }
  if (avg.count === 0) throw new ArgumentError('evaluate', 'the data yielded no batches');
  return stopped() ? undefined : avg.result();
}

/**
 * Loss and metrics of a model over a dataset (sample-weighted averages), in
 * eval mode and without gradients. Disposes every batch.
 *
 * @example
 * ```ts
 * const { loss, accuracy } = await evaluate(model, new DataLoader(mnist('test'), { batchSize: 256 }));
 * ```
 */
export async function evaluate(
  model: Module,
  data: AsyncIterable<Batch>,
  options: EvaluateOptions = {},
): Promise<MetricValues> {
  checkOptions('evaluate', options, ['loss', 'metrics']);
  const result = await evaluateBatches(
    model,
    data,
    options.loss ?? crossEntropy,
    resolveMetrics(options.metrics ?? ['accuracy']),
  );
  return result!;
}

/**
 * The model's output for `x` in eval mode, without gradients; the caller
 * owns the result.
 *
 * @example
 * ```ts
 * const classes = argmax(predict(model, images), 1);
 * ```
 */
export function predict(model: Module, x: Tensor): Tensor {
  return inEvalMode(model, () => noGrad(() => tidy(() => model.call(x))));
}
