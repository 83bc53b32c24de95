import { ArgumentError } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import type { Optimizer } from './optimizer.js';

/** Options of PlateauScheduler (and of the reduceLROnPlateau operator), with torch's defaults. */
export interface PlateauOptions {
  /** Whether the metric should fall ('min') or rise ('max') ('min'). */
  readonly mode?: 'min' | 'max';
  /** New lr = lr·factor (0.1). */
  readonly factor?: number;
  /** Epochs without improvement tolerated before reducing (10). */
  readonly patience?: number;
  /** Smallest improvement that counts (1e-4), relative or absolute per thresholdMode. */
  readonly threshold?: number;
  /** 'rel': better than best·(1 ∓ threshold); 'abs': better than best ∓ threshold ('rel'). */
  readonly thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (0). */
  readonly cooldown?: number;
  /** The floor of the lr: one for all groups or one per group (0). */
  readonly minLr?: number | readonly number[];
  /** A reduction smaller than this is not applied (1e-8). */
  readonly eps?: number;
}

/** @internal The option keys of PlateauOptions, shared with the operator. */
export const PLATEAU_KEYS = [
  'mode',
  'factor',
  'patience',
  'threshold',
  'thresholdMode',
  'cooldown',
  'minLr',
  'eps',
] as const satisfies readonly (keyof PlateauOptions)[];

/**
 * Reduces every group's lr by `factor` when a metric has stopped
 * improving, step for step as torch.optim.lr_scheduler.ReduceLROnPlateau.
 * Call `step(metric)` once per epoch; in a `fit()` stream use the
 * `reduceLROnPlateau` operator, which does that at each epoch end. The
 * groups must have constant lrs (a group following a schedule is refused:
 * the two would fight over its lr).
 *
 * @example
 * ```ts
 * const plateau = new PlateauScheduler(opt, { patience: 2, factor: 0.5 });
 * for (const epoch of epochs) plateau.step(await validationLoss());
 * ```
 */
export class PlateauScheduler {
  private readonly mode: 'min' | 'max';
  private readonly factor: number;
  private readonly patience: number;
  private readonly threshold: number;
  private readonly thresholdMode: 'rel' | 'abs';
  private readonly cooldown: number;
  private readonly minLrs: readonly number[];
  private readonly eps: number;
  private bestValue: number;
  private bad = 0;
  private cooldownLeft = 0;

  constructor(
    readonly optimizer: Optimizer,
    options: PlateauOptions = {},
    where = 'PlateauScheduler',
  ) {
    const o = checkOptions(where, options, [...PLATEAU_KEYS]);
    this.mode = o.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max')
      throw new ArgumentError(where, `mode must be 'min' or 'max', got ${String(this.mode)}`);
    this.factor = o.factor ?? 0.1;
    if (!(this.factor >= 0 && this.factor < 1))
      throw new ArgumentError(where, `factor must be in [0, 1), got ${this.factor}`);
    this.patience = o.patience ?? 10;
    this.cooldown = o.cooldown ?? 0;
    for (const [name, v] of [
      ['patience', this.patience],
      ['cooldown', this.cooldown],
    ] as const)
      if (!Number.isInteger(v) || v < 0)
        throw new ArgumentError(where, `${name} must be a non-negative integer, got ${v}`);
    this.threshold = o.threshold ?? 1e-4;
    this.thresholdMode = o.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs')
      throw new ArgumentError(where, `thresholdMode must be 'rel' or 'abs', got ${String(this.thresholdMode)}`);
    this.eps = o.eps ?? 1e-8;
    const groups = optimizer.paramGroups.length;
    const minLr = o.minLr ?? 0;
    if (typeof minLr !== 'number' && minLr.length !== groups)
      throw new ArgumentError(where, `minLr has ${minLr.length} entries for ${groups} parameter groups`);
    this.minLrs = typeof minLr === 'number' ? optimizer.paramGroups.map(() => minLr) : [...minLr];
    this.bestValue = this.mode === 'min' ? Infinity : -Infinity;
    this.assertConstant(where);
  }

  /** The best metric seen so far. */
  get best(): number {
    return this.bestValue;
  }

  /** Epochs since the last improvement (reset by a reduction and during cooldown). */
  get badEpochs(): number {
    return this.bad;
  }

  /** Records one epoch's metric; returns whether the lrs were reduced. */
  step(metric: number): boolean {
    this.assertConstant('PlateauScheduler.step');
    if (this.isBetter(metric)) {
      this.bestValue = metric;
      this.bad = 0;
    } else {
      this.bad++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.bad = 0;
    }
    if (this.bad <= this.patience) return false;
    let reduced = false;
    this.optimizer.paramGroups.forEach((g, i) => {
      const old = g.lr;
      const next = Math.max(old * this.factor, this.minLrs[i]!);
      if (old - next > this.eps) {
        g.lr = next;
        reduced = true;
      }
    });
    this.cooldownLeft = this.cooldown;
    this.bad = 0;
    return reduced;
  }

  private isBetter(v: number): boolean {
    const b = this.bestValue;
    if (this.thresholdMode === 'rel')
      return this.mode === 'min' ? v < b * (1 - this.threshold) : v > b * (1 + this.threshold);
    return this.mode === 'min' ? v < b - this.threshold : v > b + this.threshold;
  }

  private assertConstant(where: string): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      if (g.schedule)
        throw new ArgumentError(
          where,
          `parameter group ${i} follows a schedule; reduce-on-plateau needs constant lrs (the two would both set it)`,
        );
    });
  }
}
