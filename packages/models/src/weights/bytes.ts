import { tensor, type Tensor } from '@gradstream/core';
import type { LoadStateDictResult, Module } from '@gradstream/core/nn';
import { decodeSafetensors, encodeSafetensors, type RawTensor } from './codec.js';
import { WeightsFileError } from './errors.js';

/** Options of `loadWeights` and the other weight loaders. */
export interface LoadWeightsOptions {
  /** Throw on missing or unexpected tensors (default true). Wrong shapes always throw. */
  readonly strict?: boolean;
}

/**
 * Decodes safetensors `bytes` into `model`; `file` names the source in errors.
 * The whole file is decoded before any parameter changes.
 */
export function loadWeightsFrom(
  model: Module,
  bytes: Uint8Array,
  file: string,
  options: LoadWeightsOptions,
): LoadStateDictResult {
  const { tensors } = decodeSafetensors(bytes, file);
  const sd = new Map<string, Tensor>();
  try {
    for (const [name, t] of tensors) sd.set(name, tensor(t.data, t.shape, t.dtype));
    return model.loadStateDict(sd, { strict: options.strict ?? true });
  } finally {
    // The model adopted aliases of these, so dropping ours frees nothing it uses.
    for (const t of sd.values()) t.dispose();
  }
}

/**
 * Loads a safetensors state dict from its bytes into `model`, e.g. a torchvision
 * checkpoint exported with `safetensors.torch.save_file`: names match, so
 * nothing is renamed. The file is validated in full before any parameter
 * changes; a model/file mismatch throws core's StateDictError, which lists
 * every missing, unexpected and wrongly shaped tensor at once. In Node, the
 * `node` entry's `loadWeights` also takes a path.
 *
 * @example
 * ```ts
 * const model = lenet5();
 * loadWeights(model, new Uint8Array(await (await fetch('/lenet5.safetensors')).arrayBuffer()));
 * ```
 */
export function loadWeights(model: Module, bytes: Uint8Array, options: LoadWeightsOptions = {}): LoadStateDictResult {
  return loadWeightsFrom(model, bytes, '<bytes>', options);
}

function toRaw(name: string, t: Tensor, file: string): RawTensor {
  if (t.dtype === 'bool')
    throw new WeightsFileError('unsupported', file, 0, `tensor '${name}': bool tensors are not written`);
  return { dtype: t.dtype, shape: t.shape, data: t.dataSync() as RawTensor['data'] };
}

/**
 * `model`'s state dict as the bytes of a safetensors file (float32 as F32,
 * float64 as F64, int32 buffers as I32), in state-dict order: the same bytes
 * `saveWeights` writes to a path in Node, so files move freely between a page
 * and the CLI. `file` names the destination in errors.
 *
 * @example
 * ```ts
 * const bytes = weightsToBytes(model, { epoch: '10' });
 * loadWeights(lenet5(), bytes);
 * ```
 */
export function weightsToBytes(
  model: Module,
  metadata?: Readonly<Record<string, string>>,
  file = '<bytes>',
): Uint8Array {
  const raw = new Map<string, RawTensor>();
  for (const [name, t] of model.stateDict()) raw.set(name, toRaw(name, t, file));
  return encodeSafetensors(raw, metadata);
}
