import type { OptimizerStepRule } from '../backend/contract.js';
import { getBackend } from '../backend/registry.js';
import { noGrad } from '../ops/gradient-control.js';
import { cast } from '../ops/elementwise.js';
import { reshape } from '../ops/layout.js';
import { keep, tidy } from '../tensor/engine.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, GradstreamError, ShapeError, fmtShape, fmtValue } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { type FusedStepEntry, fusedOptimizerStep, fusesOptimizerStep } from './fused-step.js';
import { definedOnly } from './rule-helpers.js';
import { type LearningRate, type Schedule, assertSchedule } from './schedule.js';

/** A hyperparameter value an optimizer keeps per group (weightDecay, momentum, betas, …). */
export type HyperValue = number | boolean | readonly number[];

/** The resolved hyperparameters of one group, lr apart. */
export type Hyperparameters = Readonly<Record<string, HyperValue>>;

/**
 * A group of parameters with options of its own, as one entry of
 * torch.optim's `param_groups`. Options left out fall back to the
 * optimizer's. `lr` may be a number, the group's initial lr: constant when
 * the optimizer's lr is a number, and the base the optimizer's schedule
 * scales when it is a schedule (as a torch scheduler drives every group).
 * Or a schedule of the group's own, which replaces the optimizer's.
 *
 * @example
 * ```ts
 * sgd([{ params: convWeights }, { params: head, lr: 0.01, weightDecay: 0 }], { lr: 0.1, momentum: 0.9 });
 * ```
 */
export type ParamGroupSpec<O> = { readonly params: readonly Tensor[]; readonly lr?: LearningRate } & Partial<O>;

/** What an optimizer takes: a flat list of parameters (one group) or groups. */
export type Params<O> = readonly Tensor[] | readonly ParamGroupSpec<O>[];

/** One live parameter group of an optimizer. */
export interface ParamGroup<H extends Hyperparameters = Hyperparameters> {
  /** The group's parameters, in the order `step` takes their gradients (after the previous groups'). */
  readonly params: readonly Tensor[];
  /** The lr of the group's next step. Setting it detaches the group's schedule. */
  lr: number;
  /** The lr the group started from, which schedules scale (torch's `initial_lr`). */
  readonly initialLr: number;
  /** The group's schedule, or undefined for a constant lr. Setting undefined keeps the lr the schedule had reached. */
  schedule: Schedule | undefined;
  /** The group's other hyperparameters, with the optimizer's defaults filled in. */
  readonly options: H;
}

/** One group in a state dict: its parameters (indices into the flat list), lr and hyperparameters. */
export interface ParamGroupState {
  readonly params: readonly number[];
  readonly lr: number;
  readonly initialLr: number;
  readonly options: Hyperparameters;
}

/**
 * What an optimizer needs to resume: the number of steps taken and, per
 * parameter (aligned with `params`), its state tensors under torch's names
 * (momentum_buffer, exp_avg, exp_avg_sq, max_exp_avg_sq, square_avg,
 * grad_avg, sum, acc_delta, exp_inf, mu_product) and its own step count
 * (a parameter without a gradient is not stepped); then the groups.
 */
export interface OptimizerStateDict {
  readonly step: number;
  readonly state: readonly Readonly<Record<string, Tensor>>[];
  /** Steps each parameter has taken (default: `step` for every one). */
  readonly paramSteps?: readonly number[];
  /** The groups (default: the optimizer's own, unchanged). */
  readonly groups?: readonly ParamGroupState[];
}

/** A state dict that does not fit the optimizer: group count, group sizes, state names or shapes. */
export class OptimizerStateError extends GradstreamError {}

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
export interface Optimizer<H extends Hyperparameters = Hyperparameters> {
  /** Every parameter it updates, group after group; `step` takes gradients in this order. */
  readonly params: readonly Tensor[];
  /** The parameter groups (one when the optimizer was given a flat list). */
  readonly paramGroups: readonly ParamGroup<H>[];
  /** The first group's lr of the next step. Setting it sets every group's lr and detaches their schedules. */
  lr: number;
  /**
   * The first group's schedule. Setting it attaches the schedule to every
   * group, each scaled from its initial lr; setting undefined detaches every
   * group's, each keeping the lr it had reached.
   */
  schedule: Schedule | undefined;
  /** Steps taken so far. */
  readonly stepCount: number;
  /**
   * Applies one update; `grads[i]` is the gradient of `params[i]`. A parameter
   * whose gradient is undefined, or that is frozen (`requiresGrad` false), is
   * skipped as torch skips `grad is None`: no decay, no state change, its own
   * step count kept.
   */
  step(grads: readonly (Tensor | undefined)[]): void;
  /** The step counts, state tensors and groups. The tensors are the optimizer's own (live, not copies). */
  stateDict(): OptimizerStateDict;
  /** Restores a state dict (values are shared, not consumed; the caller keeps its tensors). */
  loadStateDict(state: OptimizerStateDict): void;
  /** Frees the state tensors (not the parameters). */
  dispose(): void;
}

/** Per-parameter update rule of a concrete optimizer. */
export interface UpdateContext<H extends Hyperparameters = Hyperparameters> {
  /** The lr of this parameter's group at this step. */
  readonly lr: number;
  /** One-based index of this parameter's step (torch's per-parameter `step` after incrementing). */
  readonly t: number;
  /** The hyperparameters of this parameter's group. */
  readonly group: H;
  /** The current state tensor of this parameter named `name`, if there is one yet. */
  get(name: string): Tensor | undefined;
  /** Sets a state tensor (kept across steps; the old one's storage is replaced). */
  set(name: string, value: Tensor): void;
}

/** Computes a parameter's new value from its gradient; runs inside noGrad and tidy. */
export type UpdateRule<H extends Hyperparameters = Hyperparameters> = (
  param: Tensor,
  grad: Tensor,
  ctx: UpdateContext<H>,
) => Tensor;

/** How a concrete optimizer is made from the shared machinery. */
export interface OptimizerDefinition<H extends Hyperparameters> {
  /** Names the optimizer in errors. */
  readonly name: string;
  /** The default lr (a number or a schedule). */
  readonly lr: LearningRate;
  /** Every hyperparameter with its default; a group may override any of them. */
  readonly defaults: H;
  /** Rejects a group's invalid combination of hyperparameters (thrown as ArgumentError). */
  readonly validate?: (h: H, where: string) => void;
  /** The state each parameter of a group with these hyperparameters may keep. */
  readonly slots: (h: H) => readonly string[];
  /** The mathematics. */
  readonly update: UpdateRule<H>;
  /**
   * The same mathematics as a fused backend kernel's rule, for a group with
   * these hyperparameters and this step's lr; undefined where the kernel has
   * none (the group composes `update`). State is in `slots` order.
   */
  readonly fusedRule?: (h: H, lr: number) => OptimizerStepRule | undefined;
}

class Group<H extends Hyperparameters> implements ParamGroup<H> {
  private followed: Schedule | undefined;
  private constant = 0;

  constructor(
    readonly params: readonly Tensor[],
    /** The number lr the group was given, if any: it is the base for any schedule attached later. */
    private readonly ownLr: number | undefined,
    lr: LearningRate,
    public options: H,
    private readonly currentStep: () => number,
    private readonly where: string,
  ) {
    if (typeof lr === 'number') this.lr = lr;
    else this.schedule = lr;
  }

  get initialLr(): number {
    return this.ownLr ?? this.followed?.baseLr ?? this.constant;
  }

  get schedule(): Schedule | undefined {
    return this.followed;
  }

  set schedule(value: Schedule | undefined) {
    // Detaching keeps the lr the schedule had reached, rather than an lr from before it.
    if (!value && this.followed) this.constant = this.lr;
    this.followed = value;
  }

  get lr(): number {
    return this.schedule ? this.schedule.at(this.currentStep(), this.initialLr) : this.constant;
  }

  set lr(value: number) {
    if (!(value >= 0) || !Number.isFinite(value))
      throw new ArgumentError(this.where, `lr must be a non-negative number, got ${value}`);
    this.followed = undefined;
    this.constant = value;
  }
}

/** Sets a state tensor, kept out of tidy scopes; an existing one adopts the new storage. */
function setSlot(slots: Map<string, Tensor>, name: string, value: Tensor): void {
  const old = slots.get(name);
  if (old) old.adopt(value);
  else slots.set(name, keep(value));
}

function learningRate(where: string, lr: LearningRate): LearningRate {
  if (typeof lr === 'function') assertSchedule(where, lr);
  else if (!(lr >= 0) || !Number.isFinite(lr))
    throw new ArgumentError(where, `lr must be a non-negative number or a schedule, got ${fmtValue(lr)}`);
  return lr;
}

/**
 * The shared machinery: parameter groups, gradient checks, lr schedules,
 * state kept out of tidy scopes, per-parameter step counts and in-place
 * parameter updates. The definition holds the optimizer's mathematics and
 * its hyperparameters with their defaults.
 *
 * @example
 * ```ts
 * // sign SGD: p ← p − lr·sign(g)
 * const signSgd = (params: Tensor[], lr: number) =>
 *   new BaseOptimizer(params, { name: 'signSgd', lr, defaults: {}, slots: () => [], update: (p, g, ctx) => sub(p, mul(sign(g), ctx.lr)) });
 * ```
 */
export class BaseOptimizer<H extends Hyperparameters> implements Optimizer<H> {
  readonly params: readonly Tensor[];
  readonly paramGroups: readonly ParamGroup<H>[];
  private readonly groups: Group<H>[];
  private readonly groupOf: Group<H>[];
  private steps = 0;
  private readonly paramSteps: number[];
  private readonly state: Map<string, Tensor>[];
  private readonly name: string;

  constructor(
    params: Params<H>,
    private readonly def: OptimizerDefinition<H>,
  ) {
    const name = def.name;
    this.name = name;
    const defaultLr = learningRate(name, def.lr);
    const specs: readonly ParamGroupSpec<H>[] = isGroupList(params) ? params : [{ params } as ParamGroupSpec<H>];
    const accepted = ['params', 'lr', ...Object.keys(def.defaults)] as (keyof ParamGroupSpec<H> & string)[];
    const seen = new Set<Tensor>();
    this.groups = specs.map((spec, gi) => {
      const where = `${name} group ${gi}`;
      checkOptions(where, spec, accepted);
      if (!Array.isArray(spec.params)) throw new ArgumentError(where, 'params must be an array of tensors');
      const { params: ps, lr, ...rest } = spec;
      for (const p of ps) {
        if (seen.has(p)) throw new ArgumentError(where, `parameter ${p.describe()} appears in more than one group`);
        seen.add(p);
      }
      const options = { ...def.defaults, ...definedOnly(rest) } as H;
      def.validate?.(options, where);
      // As torch, the optimizer's schedule drives every group; a group's number lr is then its base.
      const own = lr === undefined ? undefined : learningRate(where, lr);
      const groupLr = own === undefined || (typeof own === 'number' && typeof defaultLr !== 'number') ? defaultLr : own;
      return new Group(ps, typeof own === 'number' ? own : undefined, groupLr, options, () => this.steps, where);
    });
    this.paramGroups = this.groups;
    this.params = this.groups.flatMap((g) => g.params);
    this.groupOf = this.groups.flatMap((g) => g.params.map(() => g));
    this.params.forEach((p, i) => {
      if (p.dtype !== 'float32' && p.dtype !== 'float64')
        throw new DTypeError(name, `parameter ${i} is ${p.describe()}; only float parameters can be optimized`);
    });
    this.state = this.params.map(() => new Map());
    this.paramSteps = this.params.map(() => 0);
  }

  get lr(): number {
    return this.groups[0]?.lr ?? 0;
  }

  set lr(value: number) {
    for (const g of this.groups) g.lr = value;
  }

  get schedule(): Schedule | undefined {
    return this.groups[0]?.schedule;
  }

  set schedule(value: Schedule | undefined) {
    if (value) assertSchedule(this.name, value);
    for (const g of this.groups) g.schedule = value;
  }

  get stepCount(): number {
    return this.steps;
  }

  step(grads: readonly (Tensor | undefined)[]): void {
    if (grads.length !== this.params.length)
      throw new ArgumentError(this.name, `got ${grads.length} gradients for ${this.params.length} parameters`);
    grads.forEach((g, i) => {
      const p = this.params[i]!;
      if (g && !shapesEqual(g.shape, p.shape))
        throw new ShapeError(
          this.name,
          `gradient ${i} ${fmtShape(g.shape)} does not match parameter ${fmtShape(p.shape)}`,
        );
    });
    const lrs = new Map(this.groups.map((g) => [g, g.lr]));
    noGrad(() =>
      tidy(() => {
        const fused = this.stepFused(grads, lrs);
        this.params.forEach((p, i) => {
          const grad = grads[i];
          if (!grad || frozen(p) || fused.has(i)) return;
          const group = this.groupOf[i]!;
          const slots = this.state[i]!;
          const g = grad.dtype === p.dtype ? grad : cast(grad, p.dtype);
          const ctx: UpdateContext<H> = {
            lr: lrs.get(group)!,
            t: this.paramSteps[i]! + 1,
            group: group.options,
            get: (name) => slots.get(name),
            set: (name, value) => setSlot(slots, name, value),
          };
          p.adopt(this.def.update(p, g, ctx));
        });
      }),
    );
    grads.forEach((g, i) => {
      if (g && !frozen(this.params[i]!)) this.paramSteps[i]!++;
    });
    this.steps++;
  }

  /**
   * Steps, group by group, the parameters the backend's fused kernel can
   * take (see fused-step.ts) and returns their indices; the rest compose.
   * A parameter with only part of its state (a partial loadStateDict)
   * composes too.
   */
  private stepFused(grads: readonly (Tensor | undefined)[], lrs: ReadonlyMap<Group<H>, number>): Set<number> {
    const done = new Set<number>();
    if (!this.def.fusedRule || !getBackend().optimizerStep) return done;
    for (const group of this.groups) {
      const rule = this.def.fusedRule(group.options, lrs.get(group)!);
      if (!rule) continue;
      const names = this.def.slots(group.options);
      const entries: FusedStepEntry[] = [];
      const indices: number[] = [];
      this.params.forEach((p, i) => {
        const grad = grads[i];
        if (this.groupOf[i] !== group || !grad || frozen(p)) return;
        const have = names.map((n) => this.state[i]!.get(n)).filter((t): t is Tensor => t !== undefined);
        if (have.length !== 0 && have.length !== names.length) return;
        const g = grad.dtype === p.dtype ? grad : cast(grad, p.dtype);
        const entry = { param: p, grad: g, state: have, t: this.paramSteps[i]! + 1 };
        if (!fusesOptimizerStep(entry)) return;
        entries.push(entry);
        indices.push(i);
      });
      if (entries.length === 0) continue;
      fusedOptimizerStep(this.name, rule, entries).forEach((r, k) => {
        const i = indices[k]!;
        this.params[i]!.adopt(r.param);
        names.forEach((n, j) => {
          setSlot(this.state[i]!, n, r.state[j]!);
        });
        done.add(i);
      });
    }
    return done;
  }

  stateDict(): OptimizerStateDict {
    let offset = 0;
    return {
      step: this.steps,
      state: this.state.map((slots) => Object.fromEntries(slots)),
      paramSteps: [...this.paramSteps],
      groups: this.groups.map((g) => {
        const params = g.params.map((_, k) => offset + k);
        offset += g.params.length;
        return { params, lr: g.lr, initialLr: g.initialLr, options: { ...g.options } };
      }),
    };
  }

  loadStateDict(sd: OptimizerStateDict): void {
    const fail = (message: string): never => {
      throw new OptimizerStateError(this.name, `cannot load state: ${message}`);
    };
    if (!Number.isInteger(sd.step) || sd.step < 0) fail(`step must be a non-negative integer, got ${sd.step}`);
    if (sd.state.length !== this.params.length)
      fail(`state has ${sd.state.length} entries for ${this.params.length} parameters`);
    if (sd.paramSteps && sd.paramSteps.length !== this.params.length)
      fail(`paramSteps has ${sd.paramSteps.length} entries for ${this.params.length} parameters`);
    sd.paramSteps?.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0) fail(`paramSteps[${i}] must be a non-negative integer, got ${s}`);
    });
    const options = sd.groups ? this.checkGroups(sd.groups, fail) : undefined;
    const problems: string[] = [];
    sd.state.forEach((slots, i) => {
      const allowed = this.def.slots(options?.[this.groups.indexOf(this.groupOf[i]!)] ?? this.groupOf[i]!.options);
      for (const [name, t] of Object.entries(slots)) {
        if (!allowed.includes(name))
          problems.push(`parameter ${i}: unexpected state '${name}' (${this.name} keeps ${allowed.join(', ')})`);
        else if (!shapesEqual(t.shape, this.params[i]!.shape))
          problems.push(
            `parameter ${i}: state '${name}' ${fmtShape(t.shape)} does not match ${fmtShape(this.params[i]!.shape)}`,
          );
      }
    });
    if (problems.length) fail(problems.join('; '));
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
    sd.paramSteps?.forEach((s, i) => {
      this.paramSteps[i] = s;
    });
    if (!sd.paramSteps) this.paramSteps.fill(sd.step);
    sd.groups?.forEach((saved, gi) => {
      const g = this.groups[gi]!;
      g.options = options![gi]!;
      if (!g.schedule) g.lr = saved.lr;
    });
  }

  /** Checks saved groups against this optimizer's; returns their validated hyperparameters. */
  private checkGroups(saved: readonly ParamGroupState[], fail: (m: string) => never): H[] {
    if (saved.length !== this.groups.length)
      fail(`the state has ${saved.length} parameter groups, the optimizer ${this.groups.length}`);
    let offset = 0;
    return saved.map((s, gi) => {
      const own = this.groups[gi]!;
      if (s.params.length !== own.params.length)
        fail(`group ${gi} has ${s.params.length} parameters in the state, ${own.params.length} in the optimizer`);
      s.params.forEach((idx, k) => {
        if (idx !== offset + k) fail(`group ${gi} lists parameter ${idx} at position ${k}, expected ${offset + k}`);
      });
      offset += own.params.length;
      const keys = Object.keys(this.def.defaults);
      const extra = Object.keys(s.options).filter((k) => !keys.includes(k));
      if (extra.length) fail(`group ${gi} has unknown hyperparameters ${extra.join(', ')}`);
      if (!(s.lr >= 0) || !Number.isFinite(s.lr)) fail(`group ${gi} lr must be a non-negative number, got ${s.lr}`);
      const options = { ...own.options, ...s.options } as H;
      this.def.validate?.(options, `${this.name} group ${gi}`);
      return options;
    });
  }

  dispose(): void {
    for (const slots of this.state) {
      for (const t of slots.values()) t.dispose();
      slots.clear();
    }
  }
}

/** A frozen tensor (requiresGrad false) has no gradient in torch's sense, whatever autograd returned for it. */
function frozen(p: Tensor): boolean {
  return (p as { readonly requiresGrad?: boolean }).requiresGrad === false;
}

function isGroupList<O>(params: Params<O>): params is readonly ParamGroupSpec<O>[] {
  return params.length > 0 && !('dtype' in (params[0] as object));
}
