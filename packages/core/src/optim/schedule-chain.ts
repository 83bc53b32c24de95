import { ArgumentError } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { type LearningRate, type Schedule, assertSchedule, makeSchedule, positive } from './schedule.js';

/** Options of linearWarmup. */
export interface LinearWarmupOptions {
  /** Factor of the lr at step 0 (1/3). */
  readonly startFactor?: number;
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
export function linearWarmup(warmupSteps: number, then: LearningRate, options: LinearWarmupOptions = {}): Schedule {
  const { startFactor = 1 / 3 } = checkOptions('linearWarmup', options, ['startFactor']);
  positive('linearWarmup', 'warmupSteps', warmupSteps, true);
  if (typeof then === 'function') assertSchedule('linearWarmup', then);
  const after = (step: number, base: number): number => (typeof then === 'number' ? base : then.at(step, base));
  return makeSchedule('linearWarmup', typeof then === 'number' ? then : then.baseLr, (step, base) =>
    step < warmupSteps
      ? after(0, base) * (startFactor + ((1 - startFactor) * step) / warmupSteps)
      : after(step - warmupSteps, base),
  );
}

/** Options of sequentialLR. */
export interface SequentialLROptions {
  /** The schedules, in order; all built with the same lr. */
  readonly schedules: readonly Schedule[];
  /** The steps at which the next schedule takes over (one fewer than the schedules, increasing). */
  readonly milestones: readonly number[];
}

/**
 * Runs `schedules[i]` from `milestones[i − 1]` on, each restarted at its
 * own step 0, as torch.optim.lr_scheduler.SequentialLR.
 *
 * @example
 * ```ts
 * const lr = sequentialLR({
 *   schedules: [linearLR({ lr: 0.1, startFactor: 0.1, totalIters: 100 }), cosineAnnealingLR({ lr: 0.1, tMax: 900 })],
 *   milestones: [100],
 * });
 * sgd(params, { lr, momentum: 0.9 });
 * ```
 */
export function sequentialLR(options: SequentialLROptions): Schedule {
  const { schedules, milestones } = checkOptions('sequentialLR', options, ['schedules', 'milestones']);
  if (schedules.length === 0) throw new ArgumentError('sequentialLR', 'needs at least one schedule');
  schedules.forEach((s) => {
    assertSchedule('sequentialLR', s);
  });
  if (milestones.length !== schedules.length - 1)
    throw new ArgumentError(
      'sequentialLR',
      `needs one milestone fewer than schedules, got ${schedules.length} schedules and ${milestones.length} milestones`,
    );
  milestones.forEach((m, i) => {
    if (!Number.isInteger(m) || m < 1 || (i > 0 && m <= milestones[i - 1]!))
      throw new ArgumentError('sequentialLR', `milestones must be increasing positive integers, got [${milestones}]`);
  });
  const baseLr = schedules[0]!.baseLr;
  schedules.forEach((s, i) => {
    if (s.baseLr !== baseLr)
      throw new ArgumentError(
        'sequentialLR',
        `schedule ${i} was built with lr ${s.baseLr}, schedule 0 with ${baseLr}; a chain scales one base lr`,
      );
  });
  return makeSchedule('sequentialLR', baseLr, (step, base) => {
    let i = 0;
    while (i < milestones.length && step >= milestones[i]!) i++;
    return schedules[i]!.at(step - (i > 0 ? milestones[i - 1]! : 0), base);
  });
}
