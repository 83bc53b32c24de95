import { ArgumentError } from '../util/errors.js';

/**
 * A learning-rate schedule: the lr to use for the optimizer step with this
 * zero-based index. Pass one as an optimizer's `lr`, or set
 * `optimizer.schedule`, and the optimizer consults it before every step.
 */
export type Schedule = (step: number) => number;

/** A constant learning rate or a schedule. */
export type LearningRate = number | Schedule;

function positive(op: string, name: string, v: number, integer = false): void {
  if (!(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
    throw new ArgumentError(op, `${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
}

/**
 * lr·γ^⌊step / stepSize⌋, as torch.optim.lr_scheduler.StepLR (counted in optimizer steps).
 * @example `sgd(params, { lr: stepLR({ lr: 0.1, stepSize: 1000, gamma: 0.5 }) })`
 */
export function stepLR(options: { readonly lr: number; readonly stepSize: number; readonly gamma?: number }): Schedule {
  positive('stepLR', 'stepSize', options.stepSize, true);
  const gamma = options.gamma ?? 0.1;
  return (step) => options.lr * gamma ** Math.floor(step / options.stepSize);
}

/** lr·γ^step, as torch.optim.lr_scheduler.ExponentialLR. */
export function exponentialLR(options: { readonly lr: number; readonly gamma: number }): Schedule {
  return (step) => options.lr * options.gamma ** step;
}

/**
 * ηmin + (lr − ηmin)·(1 + cos(π·step/tMax))/2, the closed form of
 * torch.optim.lr_scheduler.CosineAnnealingLR.
 * @example `adam(params, { lr: cosineAnnealingLR({ lr: 1e-3, tMax: 5000 }) })`
 */
export function cosineAnnealingLR(options: {
  readonly lr: number;
  readonly tMax: number;
  readonly etaMin?: number;
}): Schedule {
  positive('cosineAnnealingLR', 'tMax', options.tMax);
  const etaMin = options.etaMin ?? 0;
  return (step) => etaMin + ((options.lr - etaMin) * (1 + Math.cos((Math.PI * step) / options.tMax))) / 2;
}

/** Options of oneCycleLR, with torch.optim.lr_scheduler.OneCycleLR's defaults. */
export interface OneCycleOptions {
  readonly maxLr: number;
  readonly totalSteps: number;
  /** Fraction of the steps spent increasing the lr (0.3). */
  readonly pctStart?: number;
  /** initial lr = maxLr / divFactor (25). */
  readonly divFactor?: number;
  /** final lr = initial lr / finalDivFactor (1e4). */
  readonly finalDivFactor?: number;
  readonly annealStrategy?: 'cos' | 'linear';
  /** Down to the initial lr before annealing to the final one (false). */
  readonly threePhase?: boolean;
}

/**
 * The 1cycle policy (Smith & Topin), step for step as torch's OneCycleLR
 * (learning rate only; torch also cycles momentum). Steps past totalSteps
 * keep the final lr.
 *
 * @example
 * ```ts
 * sgd(params, { lr: oneCycleLR({ maxLr: 0.1, totalSteps: epochs * stepsPerEpoch }), momentum: 0.9 });
 * ```
 */
export function oneCycleLR(options: OneCycleOptions): Schedule {
  positive('oneCycleLR', 'totalSteps', options.totalSteps, true);
  const pct = options.pctStart ?? 0.3;
  if (!(pct > 0 && pct < 1)) throw new ArgumentError('oneCycleLR', `pctStart must be in (0, 1), got ${pct}`);
  const initial = options.maxLr / (options.divFactor ?? 25);
  const final = initial / (options.finalDivFactor ?? 1e4);
  const total = options.totalSteps;
  const phases = options.threePhase
    ? [
        { end: pct * total - 1, from: initial, to: options.maxLr },
        { end: 2 * pct * total - 2, from: options.maxLr, to: initial },
        { end: total - 1, from: initial, to: final },
      ]
    : [
        { end: pct * total - 1, from: initial, to: options.maxLr },
        { end: total - 1, from: options.maxLr, to: final },
      ];
  const anneal =
    options.annealStrategy === 'linear'
      ? (from: number, to: number, t: number) => from + (to - from) * t
      : (from: number, to: number, t: number) => to + ((from - to) / 2) * (Math.cos(Math.PI * t) + 1);
  return (step) => {
    const s = Math.min(step, total - 1);
    let start = 0;
    for (const phase of phases.slice(0, -1)) {
      if (s <= phase.end) return anneal(phase.from, phase.to, (s - start) / (phase.end - start));
      start = phase.end;
    }
    const last = phases[phases.length - 1]!;
    return anneal(last.from, last.to, (s - start) / (last.end - start));
  };
}

/**
 * Ramps linearly from startFactor·lr to lr over `warmupSteps`, then hands
 * over to `then` (a schedule restarted at its step 0, or a constant), as
 * torch's LinearLR followed by SequentialLR.
 *
 * @example
 * ```ts
 * adamW(params, { lr: linearWarmup(500, cosineAnnealingLR({ lr: 1e-3, tMax: 9500 })) });
 * ```
 */
export function linearWarmup(
  warmupSteps: number,
  then: LearningRate,
  options: { readonly startFactor?: number } = {},
): Schedule {
  positive('linearWarmup', 'warmupSteps', warmupSteps, true);
  const after: Schedule = typeof then === 'number' ? () => then : then;
  const start = options.startFactor ?? 1 / 3;
  return (step) =>
    step < warmupSteps ? after(0) * (start + ((1 - start) * step) / warmupSteps) : after(step - warmupSteps);
}
