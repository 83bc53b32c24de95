/**
 * The gradient-check kit and backend conformance suite, exactly what our own
 * tests use.
 *
 * @example
 * ```ts
 * import { gradcheck, tensorArb } from '@gradstream/core/testing';
 * fc.assert(fc.property(tensorArb([3, 4]), (spec) => gradcheck((x) => tanh(x), [spec.make()])));
 * ```
 */
export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions } from './gradcheck.js';
export {
  shapeArb,
  broadcastableShapesArb,
  tensorArb,
  shapedTensorArb,
  convCaseArb,
  poolCaseArb,
  type ShapeConstraints,
  type TensorSpec,
  type ValueConstraints,
  type ConvCase,
  type PoolCase,
  type WindowConstraints,
} from './arbitraries.js';
export { backendConformance, ConformanceError, type ConformanceCase, type ConformanceOptions } from './conformance.js';
