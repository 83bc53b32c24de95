/**
 * @gradstream/models for Node: everything of the main entry, with
 * `loadWeights` also taking a path and `saveWeights` writing one. Node
 * resolves `@gradstream/models` here through the `node` export condition;
 * `@gradstream/models/node` names it explicitly.
 *
 * @example
 * ```ts
 * import { lenet5, loadWeights, saveWeights } from '@gradstream/models';
 * const model = lenet5();
 * saveWeights(model, 'lenet5.safetensors');
 * loadWeights(lenet5(), 'lenet5.safetensors');
 * ```
 */
export * from './index.js';
// Named exports take precedence over the star export, so this `loadWeights` replaces the bytes-only one.
export { loadWeights, saveWeights } from './weights/model-weights.js';
export { writeFileAtomic } from './weights/atomic-file.js';
