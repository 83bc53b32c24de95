/**
 * @gradstream/core/optim — optimizers with torch.optim's exact update rules,
 * gradient clipping and learning-rate schedules.
 *
 * @example
 * ```ts
 * import { adamW, linearWarmup, cosineAnnealingLR } from '@gradstream/core/optim';
 * const opt = adamW(model.parameters(), { lr: linearWarmup(100, cosineAnnealingLR({ lr: 1e-3, tMax: 900 })) });
 * ```
 */
export {
  BaseOptimizer,
  type Optimizer,
  type OptimizerStateDict,
  type UpdateRule,
  type UpdateContext,
} from './optimizer.js';
export { sgd, type SgdOptions } from './sgd.js';
export { adam, adamW, type AdamOptions } from './adam.js';
export { rmsprop, type RmspropOptions } from './rmsprop.js';
export { clipGradNorm, type ClippedGrads } from './clip.js';
export {
  stepLR,
  exponentialLR,
  cosineAnnealingLR,
  oneCycleLR,
  linearWarmup,
  type Schedule,
  type LearningRate,
  type OneCycleOptions,
} from './schedule.js';
