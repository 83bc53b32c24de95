import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tensor, type Tensor } from '@gradstream/core';
import type { LoadStateDictResult, Module } from '@gradstream/core/nn';
import { decodeSafetensors, encodeSafetensors, type RawTensor } from './codec.js';
import { WeightsFileError } from './errors.js';

/** Options of `loadWeights`. */
export interface LoadWeightsOptions {
  /** Throw on missing or unexpected tensors (default true). Wrong shapes always throw. */
  readonly strict?: boolean;
}

function readSource(source: string | Uint8Array): { bytes: Uint8Array; file: string } {
  if (typeof source !== 'string') return { bytes: source, file: '<bytes>' };
  try {
    return { bytes: readFileSync(source), file: source };
  } catch (e) {
    throw new WeightsFileError('unreadable', source, 0, (e as Error).message);
  }
}

/**
 * Loads a safetensors state dict (a path or the file's bytes) into `model`,
 * e.g. a torchvision checkpoint exported with `safetensors.torch.save_file`:
 * names match, so nothing is renamed. The file is validated in full before
 * any parameter changes; a model/file mismatch throws core's StateDictError,
 * which lists every missing, unexpected and wrongly shaped tensor at once.
 *
 * @example
 * ```ts
 * const model = resnet18();
 * loadWeights(model, 'resnet18.safetensors');
 * ```
 */
export function loadWeights(
  model: Module,
  source: string | Uint8Array,
  options: LoadWeightsOptions = {},
): LoadStateDictResult {
  const { bytes, file } = readSource(source);
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

function toRaw(name: string, t: Tensor, file: string): RawTensor {
  if (t.dtype === 'bool')
    throw new WeightsFileError('unsupported', file, 0, `tensor '${name}': bool tensors are not written`);
  return { dtype: t.dtype, shape: t.shape, data: t.dataSync() as RawTensor['data'] };
}

/**
 * Writes `model`'s state dict to `path` as safetensors (float32 as F32,
 * float64 as F64, int32 buffers as I32), in state-dict order. The bytes go to
 * a temporary file in the same directory that is then renamed over `path`,
 * so a crash never leaves a half-written weights file.
 *
 * @example
 * ```ts
 * saveWeights(model, 'checkpoints/lenet5.safetensors', { epoch: '10' });
 * ```
 */
export function saveWeights(model: Module, path: string, metadata?: Readonly<Record<string, string>>): void {
  const raw = new Map<string, RawTensor>();
  for (const [name, t] of model.stateDict()) raw.set(name, toRaw(name, t, path));
  const bytes = encodeSafetensors(raw, metadata);
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, bytes);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw new WeightsFileError('unwritable', path, 0, `cannot write: ${(e as Error).message}`);
  }
}
