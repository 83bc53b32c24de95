import { ArgumentError } from '../util/errors.js';
import { checkOptions } from '../util/options.js';

/**
 * A learning-rate schedule. Called with a zero-based optimizer step, it
 * gives the lr of that step from its own base lr; `at(step, baseLr)` gives
 * it for another base, which is how an optimizer applies one schedule to
 * every parameter group, each scaled from the group's initial lr as
 * torch.optim.lr_scheduler does. Pass one as an optimizer's (or a group's)
 * `lr`, or set `optimizer.schedule`; the optimizer consults it before every
 * step. Steps count optimizer steps, not epochs.
 *
 * @example
 * ```ts
 * const s = stepLR({ lr: 0.1, stepSize: 30 });
 * s(30); // 0.01
 * s.at(30, 1); // 0.1, for a group whose initial lr is 1
 * ```
 */
export interface Schedule {
  (step: number): number;
  /** The base lr it was built with (torch's `initial_lr` of a group that gives none). */
  readonly baseLr: number;
  /** The lr at `step` for a group whose initial lr is `baseLr`. */
  at(step: number, baseLr: number): number;
}

/** A constant learning rate or a schedule. */
export type LearningRate = number | Schedule;

/** @internal Builds a schedule from its base lr and its per-group rule. */
export function makeSchedule(where: string, baseLr: number, at: (step: number, baseLr: number) => number): Schedule {
  if (!(baseLr >= 0) || !Number.isFinite(baseLr))
    throw new ArgumentError(where, `lr must be a non-negative number, got ${baseLr}`);
  const s = (step: number): number => at(step, baseLr);
  return Object.assign(s, { baseLr, at });
}

/** @internal A function passed where a schedule belongs must be one built here (a bare function has no per-group rule). */
export function assertSchedule(where: string, s: unknown): asserts s is Schedule {
  const candidate = s as Partial<Schedule>;
  if (typeof s !== 'function' || typeof candidate.at !== 'function' || typeof candidate.baseLr !== 'number')
    throw new ArgumentError(
      where,
      'a schedule must come from a schedule constructor (stepLR, lambdaLR, …); wrap a plain function of the step with lambdaLR({ lr, lrLambda })',
    );
}

/** @internal */
export function positive(op: string, name: string, v: number, integer = false): void {
  if (!(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
    throw new ArgumentError(op, `${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
}

/** @internal */
export function inUnit(op: string, name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new ArgumentError(op, `${name} must be in [0, 1], got ${v}`);
}

/** Options of stepLR. */
export interface StepLROptions {
  readonly lr: number;
  readonly stepSize: number;
  /** Decay factor (0.1). */
  readonly gamma?: number;
}

/**
 * lr·γ^⌊step / stepSize⌋, as torch.optim.lr_scheduler.StepLR.
 * @example `sgd(params, { lr: stepLR({ lr: 0.1, stepSize: 1000, gamma: 0.5 }) })`
 */
export function stepLR(options: StepLROptions): Schedule {
  const { lr, stepSize, gamma = 0.1 } = checkOptions('stepLR', options, ['lr', 'stepSize', 'gamma']);
  positive('stepLR', 'stepSize', stepSize, true);
  return makeSchedule('stepLR', lr, (step, base) => base * gamma ** Math.floor(step / stepSize));
}

/** Options of multiStepLR. */
export interface MultiStepLROptions {
  readonly lr: number;
  /** Steps at which the lr is multiplied by gamma (a step listed twice multiplies twice, as torch's Counter). */
  readonly milestones: readonly number[];
  /** Decay factor (0.1). */
  readonly gamma?: number;
}

/**
 * lr·γ^(number of milestones ≤ step), as torch.optim.lr_scheduler.MultiStepLR.
 * @example `sgd(params, { lr: multiStepLR({ lr: 0.1, milestones: [30, 80] }) })`
 */
export function multiStepLR(options: MultiStepLROptions): Schedule {
  const { lr, milestones, gamma = 0.1 } = checkOptions('multiStepLR', options, ['lr', 'milestones', 'gamma']);
  for (const m of milestones)
    if (!Number.isInteger(m) || m < 0)
      throw new ArgumentError('multiStepLR', `milestones must be non-negative integers, got ${m}`);
  const sorted = [...milestones].sort((a, b) => a - b);
  return makeSchedule('multiStepLR', lr, (step, base) => base * gamma ** sorted.filter((m) => m <= step).length);
}

/** Options of exponentialLR. */
export interface ExponentialLROptions {
  readonly lr: number;
  readonly gamma: number;
}

/**
 * lr·γ^step, as torch.optim.lr_scheduler.ExponentialLR.
 * @example `adam(params, { lr: exponentialLR({ lr: 1e-3, gamma: 0.999 }) })`
 */
export function exponentialLR(options: ExponentialLROptions): Schedule {
  const { lr, gamma } = checkOptions('exponentialLR', options, ['lr', 'gamma']);
  return makeSchedule('exponentialLR', lr, (step, base) => base * gamma ** step);
}

/** Options of constantLR, with torch's defaults. */
export interface ConstantLROptions {
  readonly lr: number;
  /** Multiplies the lr until totalIters (1/3). */
  readonly factor?: number;
  /** Steps run at the reduced lr (5). */
  readonly totalIters?: number;
}

/**
 * lr·factor for the first totalIters steps, then lr, as
 * torch.optim.lr_scheduler.ConstantLR.
 * @example `sgd(params, { lr: constantLR({ lr: 0.1, factor: 0.5, totalIters: 100 }) })`
 */
export function constantLR(options: ConstantLROptions): Schedule {
  const { lr, factor = 1 / 3, totalIters = 5 } = checkOptions('constantLR', options, ['lr', 'factor', 'totalIters']);
  inUnit('constantLR', 'factor', factor);
  positive('constantLR', 'totalIters', totalIters, true);
  return makeSchedule('constantLR', lr, (step, base) => base * (step < totalIters ? factor : 1));
}

/** Options of linearLR, with torch's defaults. */
export interface LinearLROptions {
  readonly lr: number;
  /** Factor of the lr at step 0 (1/3). */
  readonly startFactor?: number;
  /** Factor reached at totalIters and kept after (1). */
  readonly endFactor?: number;
  /** Steps of the ramp (5). */
  readonly totalIters?: number;
}

/**
 * lr·(start + (end − start)·min(step, totalIters)/totalIters), as
 * torch.optim.lr_scheduler.LinearLR: a warm-up when endFactor is 1, a
 * linear decay when it is below startFactor.
 * @example `adamW(params, { lr: linearLR({ lr: 1e-3, startFactor: 0.01, endFactor: 1, totalIters: 500 }) })`
 */
export function linearLR(options: LinearLROptions): Schedule {
  const {
    lr,
    startFactor = 1 / 3,
    endFactor = 1,
    totalIters = 5,
  } = checkOptions('linearLR', options, ['lr', 'startFactor', 'endFactor', 'totalIters']);
  inUnit('linearLR', 'startFactor', startFactor);
  inUnit('linearLR', 'endFactor', endFactor);
  positive('linearLR', 'totalIters', totalIters, true);
  return makeSchedule(
    'linearLR',
    lr,
    (step, base) => base * (startFactor + ((endFactor - startFactor) * Math.min(totalIters, step)) / totalIters),
  );
}

/** Options of polynomialLR, with torch's defaults. */
export interface PolynomialLROptions {
  readonly lr: number;
  /** Steps over which the lr decays to 0 (5). */
  readonly totalIters?: number;
  /** Power of the polynomial (1). */
  readonly power?: number;
}

/**
 * lr·(1 − min(step, totalIters)/totalIters)^power, as
 * torch.optim.lr_scheduler.PolynomialLR.
 * @example `sgd(params, { lr: polynomialLR({ lr: 0.1, totalIters: 10000, power: 0.9 }) })`
 */
export function polynomialLR(options: PolynomialLROptions): Schedule {
  const { lr, totalIters = 5, power = 1 } = checkOptions('polynomialLR', options, ['lr', 'totalIters', 'power']);
  positive('polynomialLR', 'totalIters', totalIters, true);
  return makeSchedule(
    'polynomialLR',
    lr,
    (step, base) => base * (1 - Math.min(totalIters, step) / totalIters) ** power,
  );
}

/** Options of lambdaLR. */
export interface LambdaLROptions {
  readonly lr: number;
  /** The factor of the base lr at a zero-based step. */
  readonly lrLambda: (step: number) => number;
}

/**
 * lr·lrLambda(step), as torch.optim.lr_scheduler.LambdaLR; the way to
 * write a schedule of one's own.
 * @example `sgd(params, { lr: lambdaLR({ lr: 0.1, lrLambda: (s) => 0.95 ** Math.floor(s / 100) }) })`
 */
export function lambdaLR(options: LambdaLROptions): Schedule {
  const { lr, lrLambda } = checkOptions('lambdaLR', options, ['lr', 'lrLambda']);
  if (typeof lrLambda !== 'function') throw new ArgumentError('lambdaLR', 'lrLambda must be a function of the step');
  return makeSchedule('lambdaLR', lr, (step, base) => base * lrLambda(step));
}
