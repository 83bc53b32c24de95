/**
 * @gradstream/core — tensors, tape autograd, the backend contract and the
 * differentiable ops. Layers, optimizers, training and the test kit live in
 * the subpaths `@gradstream/core/nn`, `/optim`, `/train` and `/testing`.
 *
 * @example
 * ```ts
 * import { tensor, grad, sum, mul } from '@gradstream/core';
 * import '@gradstream/backend-cpu';
 * grad((x) => sum(mul(x, x)))(tensor([1, 2, 3])).toArray(); // [2, 4, 6]
 * ```
 */
export * from './backend/index.js';
export { Tensor, type NestedArray, type GradientHook, type HookHandle } from './tensor/tensor.js';
export {
  tensor,
  scalar,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  arange,
  rand,
  randn,
  uniform,
} from './tensor/creation.js';
export { Random, setSeed, globalRandom } from './tensor/random.js';
export { tidy, keep, memory, type MemoryInfo } from './tensor/engine.js';
export {
  profile,
  formatProfile,
  type Profile,
  type KernelStats,
  type FormatProfileOptions,
} from './tensor/profile.js';
export * from './util/errors.js';
export { checkOptions } from './util/options.js';
export * from './ops/index.js';
export * from './autograd/index.js';
