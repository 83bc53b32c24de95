import { accuracy } from '../nn/metrics.js';
import { noGrad } from '../ops/gradient-control.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MetricValues } from './events.js';

/** A metric of one batch: model output and targets to a number, averaged over samples by fit and evaluate. */
export type MetricFn = (output: Tensor, target: Tensor) => number;

/** A built-in metric by name, or a named function. */
export type MetricSpec = 'accuracy' | { readonly name: string; readonly fn: MetricFn };

/** Resolved metrics: name and function. */
export type Metrics = readonly (readonly [string, MetricFn])[];

export function resolveMetrics(specs: readonly MetricSpec[]): Metrics {
  return specs.map((s) => (s === 'accuracy' ? (['accuracy', accuracy] as const) : ([s.name, s.fn] as const)));
}

/** Every metric of one batch, computed off the tape. */
export function batchMetrics(metrics: Metrics, output: Tensor, target: Tensor): Record<string, number> {
  return noGrad(() => Object.fromEntries(metrics.map(([name, fn]) => [name, fn(output, target)])));
}

/** Sample-weighted running means of the loss and the metrics. */
export class MetricAverager {
  private samples = 0;
  private readonly sums = new Map<string, number>();

  add(batchSize: number, loss: number, metrics: Readonly<Record<string, number>>): void {
    this.samples += batchSize;
    for (const [name, v] of [['loss', loss] as const, ...Object.entries(metrics)])
      this.sums.set(name, (this.sums.get(name) ?? 0) + v * batchSize);
  }

  get count(): number {
    return this.samples;
  }

  result(): MetricValues {
    const out: Record<string, number> = { loss: NaN };
    for (const [name, total] of this.sums) out[name] = total / this.samples;
    return out as MetricValues;
  }
}
