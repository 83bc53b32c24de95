import { Observable, type OperatorFunction } from 'rxjs';
import type { Module } from '../nn/module.js';
import { noGrad } from '../ops/gradient-control.js';
import { square } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { tidy } from '../tensor/engine.js';
import type { HookHandle } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import type { TrainEvent } from './events.js';

/** The L2 norms of the gradients of one optimizer step, emitted right after its batchEnd. */
export interface GradientNormsEvent {
  readonly type: 'gradientNorms';
  readonly epoch: number;
  readonly step: number;
  readonly batch: number;
  /** Norm per layer (module path, `features.0`) or per parameter (`features.0.weight`); frozen ones are absent. */
  readonly norms: Readonly<Record<string, number>>;
  /** The global norm over every gradient of the step (what clipNorm clips). */
  readonly total: number;
}

/** Options of {@link gradientNorms}. */
export interface GradientNormsOptions {
  /** Group by 'layer' (default: the norm over a module's own parameters) or report each 'parameter'. */
  readonly by?: 'layer' | 'parameter';
}

/**
 * An operator for `fit`'s stream that adds, after each batchEnd, a
 * `gradientNorms` event with that step's gradient norm per layer. On
 * subscribe it registers a gradient hook (`Tensor.registerHook`) on each of
 * the model's parameters; each hook reads the squared norm of the complete
 * gradient as the backward pass produces it; unsubscribing, completion and
 * errors remove the hooks. Any gradient of the parameters computed while
 * subscribed counts towards the next event, so use it on one fit at a time.
 *
 * @example
 * ```ts
 * fit(model, options).pipe(
 *   gradientNorms(model),
 *   filter((e): e is GradientNormsEvent => e.type === 'gradientNorms'),
 * ).subscribe((e) => console.log(e.step, e.norms['features.0']));
 * ```
 */
export function gradientNorms(
  model: Module,
  options: GradientNormsOptions = {},
): OperatorFunction<TrainEvent, TrainEvent | GradientNormsEvent> {
  const { by = 'layer' } = checkOptions('gradientNorms', options, ['by']);
  if (by !== 'layer' && by !== 'parameter')
    throw new ArgumentError('gradientNorms', `by must be 'layer' or 'parameter', got ${String(by)}`);
  return (source) =>
    new Observable<TrainEvent | GradientNormsEvent>((subscriber) => {
      const squares = new Map<string, number>();
      const handles: HookHandle[] = model.namedParameters().map(([name, p]) => {
        const key = by === 'parameter' ? name : name.slice(0, Math.max(0, name.lastIndexOf('.')));
        return p.registerHook((g) => {
          const s = noGrad(() => tidy(() => sum(square(g)).item()));
          squares.set(key, (squares.get(key) ?? 0) + s);
        });
      });
      const subscription = source.subscribe({
        next: (e) => {
          subscriber.next(e);
          if (e.type !== 'batchEnd') return;
          const norms: Record<string, number> = {};
          let total = 0;
          for (const [key, s] of squares) {
            norms[key] = Math.sqrt(s);
            total += s;
          }
          squares.clear();
          subscriber.next({
            type: 'gradientNorms',
            epoch: e.epoch,
            step: e.step,
            batch: e.batch,
            norms,
            total: Math.sqrt(total),
          });
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        for (const h of handles) h.remove();
      };
    });
}
