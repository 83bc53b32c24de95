import { ArgumentError } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { type Schedule, makeSchedule, positive } from './schedule.js';

const cosine = (etaMin: number, base: number, t: number, period: number): number =>
  etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / period))) / 2;

/** Options of cosineAnnealingLR. */
export interface CosineAnnealingLROptions {
  readonly lr: number;
  /** Steps of the half cosine. */
  readonly tMax: number;
  /** The lr reached at tMax (0). */
  readonly etaMin?: number;
}

/**
 * ηmin + (lr − ηmin)·(1 + cos(π·step/tMax))/2, the closed form of
 * torch.optim.lr_scheduler.CosineAnnealingLR.
 * @example `adam(params, { lr: cosineAnnealingLR({ lr: 1e-3, tMax: 5000 }) })`
 */
export function cosineAnnealingLR(options: CosineAnnealingLROptions): Schedule {
  const { lr, tMax, etaMin = 0 } = checkOptions('cosineAnnealingLR', options, ['lr', 'tMax', 'etaMin']);
  positive('cosineAnnealingLR', 'tMax', tMax);
  return makeSchedule('cosineAnnealingLR', lr, (step, base) => cosine(etaMin, base, step, tMax));
}

/** Options of cosineAnnealingWarmRestarts, with torch's defaults. */
export interface CosineAnnealingWarmRestartsOptions {
  readonly lr: number;
  /** Steps until the first restart. */
  readonly t0: number;
  /** Each period is tMult times the previous one (1). */
  readonly tMult?: number;
  /** The lower bound (0). */
  readonly etaMin?: number;
}

/**
 * SGDR (Loshchilov & Hutter): a half cosine from lr to etaMin over t0
 * steps, restarted at lr, each period tMult times longer; as
 * torch.optim.lr_scheduler.CosineAnnealingWarmRestarts stepped once per
 * optimizer step.
 * @example `sgd(params, { lr: cosineAnnealingWarmRestarts({ lr: 0.1, t0: 1000, tMult: 2 }), momentum: 0.9 })`
 */
export function cosineAnnealingWarmRestarts(options: CosineAnnealingWarmRestartsOptions): Schedule {
  const where = 'cosineAnnealingWarmRestarts';
  const { lr, t0, tMult = 1, etaMin = 0 } = checkOptions(where, options, ['lr', 't0', 'tMult', 'etaMin']);
  positive(where, 't0', t0, true);
  positive(where, 'tMult', tMult, true);
  return makeSchedule(where, lr, (step, base) => {
    // Walk the periods with integers, as torch's per-step counter does (its
    // log-based closed form misplaces exact period boundaries).
    let tCur = step;
    let tI = t0;
    while (tCur >= tI) {
      tCur -= tI;
      tI *= tMult;
    }
    return cosine(etaMin, base, tCur, tI);
  });
}

/** Options of cyclicLR, with torch's defaults. */
export interface CyclicLROptions {
  /** The lower bound; a group with an lr of its own cycles from it, with bounds in the same ratio. */
  readonly baseLr: number;
  /** The upper bound of the first cycle. */
  readonly maxLr: number;
  /** Steps of the rising half of a cycle (2000). */
  readonly stepSizeUp?: number;
  /** Steps of the falling half (stepSizeUp). */
  readonly stepSizeDown?: number;
  /** The amplitude per cycle: constant, halved each cycle, or gamma^step ('triangular'). */
  readonly mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** Base of 'exp_range' (1). */
  readonly gamma?: number;
  /** A custom amplitude scale in [0, 1], replacing `mode`. */
  readonly scaleFn?: (x: number) => number;
  /** What scaleFn is given: the one-based cycle or the step ('cycle'). */
  readonly scaleMode?: 'cycle' | 'iterations';
}

/**
 * The cyclical learning rate of Smith (2017), step for step as
 * torch.optim.lr_scheduler.CyclicLR with `cycle_momentum=False` (it cycles
 * the lr only).
 *
 * @example
 * ```ts
 * sgd(params, { lr: cyclicLR({ baseLr: 1e-3, maxLr: 0.1, stepSizeUp: 500, mode: 'triangular2' }) });
 * ```
 */
export function cyclicLR(options: CyclicLROptions): Schedule {
  const o = checkOptions('cyclicLR', options, [
    'baseLr',
    'maxLr',
    'stepSizeUp',
    'stepSizeDown',
    'mode',
    'gamma',
    'scaleFn',
    'scaleMode',
  ]);
  const up = o.stepSizeUp ?? 2000;
  const down = o.stepSizeDown ?? up;
  positive('cyclicLR', 'stepSizeUp', up, true);
  positive('cyclicLR', 'stepSizeDown', down, true);
  const mode = o.mode ?? 'triangular';
  if (!['triangular', 'triangular2', 'exp_range'].includes(mode))
    throw new ArgumentError('cyclicLR', `mode must be triangular, triangular2 or exp_range, got ${mode}`);
  const gamma = o.gamma ?? 1;
  const scale =
    o.scaleFn ??
    (mode === 'triangular'
      ? () => 1
      : mode === 'triangular2'
        ? (x: number) => 1 / 2 ** (x - 1)
        : (x: number) => gamma ** x);
  const scaleMode = o.scaleFn ? (o.scaleMode ?? 'cycle') : mode === 'exp_range' ? 'iterations' : 'cycle';
  const total = up + down;
  const ratio = up / total;
  return makeSchedule('cyclicLR', o.baseLr, (step, base) => {
    const maxLr = base === o.baseLr ? o.maxLr : o.maxLr * (base / o.baseLr);
    const cycle = Math.floor(1 + step / total);
    const x = 1 + step / total - cycle;
    const factor = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    return base + (maxLr - base) * factor * scale(scaleMode === 'cycle' ? cycle : step);
  });
}

/** Options of oneCycleLR, with torch.optim.lr_scheduler.OneCycleLR's defaults. */
export interface OneCycleOptions {
  /** The peak; a group with an lr of its own peaks at that lr instead (torch's per-group max_lr). */
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
  const o = checkOptions('oneCycleLR', options, [
    'maxLr',
    'totalSteps',
    'pctStart',
    'divFactor',
    'finalDivFactor',
    'annealStrategy',
    'threePhase',
  ]);
  positive('oneCycleLR', 'totalSteps', o.totalSteps, true);
  const pct = o.pctStart ?? 0.3;
  if (!(pct > 0 && pct < 1)) throw new ArgumentError('oneCycleLR', `pctStart must be in (0, 1), got ${pct}`);
  const div = o.divFactor ?? 25;
  const finalDiv = o.finalDivFactor ?? 1e4;
  const total = o.totalSteps;
  const anneal =
    o.annealStrategy === 'linear'
      ? (from: number, to: number, t: number) => from + (to - from) * t
      : (from: number, to: number, t: number) => to + ((from - to) / 2) * (Math.cos(Math.PI * t) + 1);
  return makeSchedule('oneCycleLR', o.maxLr, (step, maxLr) => {
    const initial = maxLr / div;
    const final = initial / finalDiv;
    const phases = o.threePhase
      ? [
          { end: pct * total - 1, from: initial, to: maxLr },
          { end: 2 * pct * total - 2, from: maxLr, to: initial },
          { end: total - 1, from: initial, to: final },
        ]
      : [
          { end: pct * total - 1, from: initial, to: maxLr },
          { end: total - 1, from: maxLr, to: final },
        ];
    const s = Math.min(step, total - 1);
    let start = 0;
    for (const phase of phases.slice(0, -1)) {
      if (s <= phase.end) return anneal(phase.from, phase.to, (s - start) / (phase.end - start));
      start = phase.end;
    }
    const last = phases[phases.length - 1]!;
    return anneal(last.from, last.to, (s - start) / (last.end - start));
  });
}
