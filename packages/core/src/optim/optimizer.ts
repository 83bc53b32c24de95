import { noGrad } from '../ops/gradient-control.js';
import { cast } from '../ops/elementwise.js';
import { reshape } from '../ops/layout.js';
import { keep, tidy } from '../tensor/engine.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../util/errors.js';
import type { LearningRate, Schedule } from './schedule.js';

/**
 * What an optimizer needs to resume: the number of steps taken and, per
 * parameter (aligned with `params`), its state tensors under torch's names
 * (momentum_buffer, exp_avg, exp_avg_sq, square_avg, grad_avg).
 */
export interface OptimizerStateDict {
  readonly step: number;
  readonly state: readonly Readonly<Record<string, Tensor>>[];
}

/**
 * Updates parameters from their gradients. Parameters are updated in place
 * (their storage is replaced), so the model sees the new values at once.
 *
 * @example
 * ```ts
 * const opt = adam(model.parameters(), { lr: 1e-3 });
 * tidy(() => {
 *   const { grads } = variableGrads(() => crossEntropy(model.call(x), y), opt.params);
 *   opt.step(grads);
 * });
 * ```
 */
export interface Optimizer {
  /** The parameters it updates; `step` takes gradients in this order. */
  readonly params: readonly Tensor[];
  /** The learning rate of the next step (the schedule's value when one is attached). Setting it detaches the schedule. */
  lr: number;
  /** A schedule consulted before every step, or undefined for a constant lr. */
  schedule: Schedule | undefined;
  /** Steps taken so far. */
  readonly stepCount: number;
  /** Applies one update; `grads[i]` is the gradient of `params[i]`. */
  step(grads: readonly Tensor[]): void;
  /** The step count and state tensors. The tensors are the optimizer's own (live, not copies). */
  stateDict(): OptimizerStateDict;
  /** Restores a state dict (values are shared, not consumed; the caller keeps its tensors). */
  loadStateDict(state: OptimizerStateDict): void;
  /** Frees the state tensors (not the parameters). */
  dispose(): void;
}

/** Per-parameter update rule of a concrete optimizer. */
export interface UpdateContext {
  readonly lr: number;
  /** One-based index of this step (torch's `step` after incrementing). */
  readonly t: number;
  /** The current state tensor of this parameter named `name`, if there is one yet. */
  get(name: string): Tensor | undefined;
  /** Sets a state tensor (kept across steps; the old one's storage is replaced). */
  set(name: string, value: Tensor): void;
}

/** Computes a parameter's new value from its gradient; runs inside noGrad and tidy. */
export type UpdateRule = (param: Tensor, grad: Tensor, ctx: UpdateContext) => Tensor;

/**
 * The shared machinery: gradient checks, the lr schedule, state kept out of
 * tidy scopes and in-place parameter updates. `update` holds the
 * optimizer's mathematics; `slotNames` lists the state it may keep.
 *
 * @example
 * ```ts
 * // sign SGD: p ← p − lr·sign(g)
 * const signSgd = (params: Tensor[], lr: number) => new BaseOptimizer('signSgd', params, lr, (p, g, ctx) => sub(p, mul(sign(g), ctx.lr)), []);
 * ```
 */
export class BaseOptimizer implements Optimizer {
  schedule: Schedule | undefined;
  private constantLr = 0;
  private steps = 0;
  private readonly state: Map<string, Tensor>[];

  constructor(
    private readonly name: string,
    readonly params: readonly Tensor[],
    lr: LearningRate,
    private readonly update: UpdateRule,
    private readonly slotNames: readonly string[],
  ) {
    params.forEach((p, i) => {
      if (p.dtype !== 'float32' && p.dtype !== 'float64')
        throw new DTypeError(name, `parameter ${i} is ${p.describe()}; only float parameters can be optimized`);
    });
    this.state = params.map(() => new Map());
    if (typeof lr === 'number') this.lr = lr;
    else this.schedule = lr;
  }

  get lr(): number {
    return this.schedule ? this.schedule(this.steps) : this.constantLr;
  }

  set lr(value: number) {
    if (!(value >= 0) || !Number.isFinite(value))
      throw new ArgumentError(this.name, `lr must be a non-negative number, got ${value}`);
    this.schedule = undefined;
    this.constantLr = value;
  }

  get stepCount(): number {
    return this.steps;
  }

  step(grads: readonly Tensor[]): void {
    if (grads.length !== this.params.length)
      throw new ArgumentError(this.name, `got ${grads.length} gradients for ${this.params.length} parameters`);
    grads.forEach((g, i) => {
      const p = this.params[i]!;
      if (!shapesEqual(g.shape, p.shape))
        throw new ShapeError(
          this.name,
          `gradient ${i} ${fmtShape(g.shape)} does not match parameter ${fmtShape(p.shape)}`,
        );
    });
    const lr = this.lr;
    const t = this.steps + 1;
    noGrad(() =>
      tidy(() => {
        this.params.forEach((p, i) => {
          const slots = this.state[i]!;
          const g = grads[i]!.dtype === p.dtype ? grads[i]! : cast(grads[i]!, p.dtype);
          const ctx: UpdateContext = {
            lr,
            t,
            get: (name) => slots.get(name),
            set: (name, value) => {
              const old = slots.get(name);
              if (old) old.adopt(value);
              else slots.set(name, keep(value));
            },
          };
          p.adopt(this.update(p, g, ctx));
        });
      }),
    );
    this.steps = t;
  }

  stateDict(): OptimizerStateDict {
    return { step: this.steps, state: this.state.map((slots) => Object.fromEntries(slots)) };
  }

  loadStateDict(sd: OptimizerStateDict): void {
    if (!Number.isInteger(sd.step) || sd.step < 0)
      throw new ArgumentError(this.name, `step must be a non-negative integer, got ${sd.step}`);
    if (sd.state.length !== this.params.length)
      throw new ArgumentError(this.name, `state has ${sd.state.length} entries for ${this.params.length} parameters`);
    const problems: string[] = [];
    sd.state.forEach((slots, i) => {
      for (const [name, t] of Object.entries(slots)) {
        if (!this.slotNames.includes(name))
          problems.push(`parameter ${i}: unexpected state '${name}' (${this.name} keeps ${this.slotNames.join(', ')})`);
        else if (!shapesEqual(t.shape, this.params[i]!.shape))
          problems.push(
            `parameter ${i}: state '${name}' ${fmtShape(t.shape)} does not match ${fmtShape(this.params[i]!.shape)}`,
          );
      }
    });
    if (problems.length) throw new ShapeError(this.name, `cannot load state: ${problems.join('; ')}`);
    this.dispose();
    noGrad(() => {
      sd.state.forEach((slots, i) => {
        const p = this.params[i]!;
        // Tensors are immutable, so sharing the caller's storage is a safe copy.
        for (const [name, t] of Object.entries(slots))
          this.state[i]!.set(name, keep(t.dtype === p.dtype ? reshape(t, t.shape) : cast(t, p.dtype)));
      });
    });
    this.steps = sd.step;
  }

  dispose(): void {
    for (const slots of this.state) {
      for (const t of slots.values()) t.dispose();
      slots.clear();
    }
  }
}
