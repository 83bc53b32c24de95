/**
 * @gradstream/core/optim — optimizers with torch.optim's exact update rules
 * and parameter groups, gradient clipping, learning-rate schedules and
 * reduce-on-plateau.
 *
 * @example
 * ```ts
 * import { adamW, linearWarmup, cosineAnnealingLR, paramGroupsNoDecay } from '@gradstream/core/optim';
 * const opt = adamW(paramGroupsNoDecay(model, { weightDecay: 0.05 }), {
 *   lr: linearWarmup(100, cosineAnnealingLR({ lr: 1e-3, tMax: 900 })),
 * });
 * ```
 */
export {
  BaseOptimizer,
  OptimizerStateError,
  type Optimizer,
  type OptimizerDefinition,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupSpec,
  type ParamGroupState,
  type Params,
  type Hyperparameters,
  type HyperValue,
  type UpdateRule,
  type UpdateContext,
} from './optimizer.js';
export { paramGroupsNoDecay, type HasNamedParameters, type ParamGroupsNoDecayOptions } from './param-groups.js';
export { sgd, type SgdOptions, type SgdHyperparameters } from './sgd.js';
export { adam, adamW, type AdamOptions, type AdamHyperparameters } from './adam.js';
export {
  adamax,
  nadam,
  radam,
  type AdamaxOptions,
  type AdamaxHyperparameters,
  type NadamOptions,
  type NadamHyperparameters,
  type RadamOptions,
} from './adam-variants.js';
export {
  adagrad,
  adadelta,
  type AdagradOptions,
  type AdagradHyperparameters,
  type AdadeltaOptions,
  type AdadeltaHyperparameters,
} from './adagrad.js';
export { rmsprop, type RmspropOptions, type RmspropHyperparameters } from './rmsprop.js';
export { clipGradNorm, type ClippedGrads } from './clip.js';
export {
  stepLR,
  multiStepLR,
  exponentialLR,
  constantLR,
  linearLR,
  polynomialLR,
  lambdaLR,
  type Schedule,
  type LearningRate,
  type StepLROptions,
  type MultiStepLROptions,
  type ExponentialLROptions,
  type ConstantLROptions,
  type LinearLROptions,
  type PolynomialLROptions,
  type LambdaLROptions,
} from './schedule.js';
export {
  cosineAnnealingLR,
  cosineAnnealingWarmRestarts,
  cyclicLR,
  oneCycleLR,
  type CosineAnnealingLROptions,
  type CosineAnnealingWarmRestartsOptions,
  type CyclicLROptions,
  type OneCycleOptions,
} from './schedule-cyclic.js';
export { linearWarmup, sequentialLR, type LinearWarmupOptions, type SequentialLROptions } from './schedule-chain.js';
export { PlateauScheduler, type PlateauOptions } from './plateau.js';
