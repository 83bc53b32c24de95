import { readFileSync } from 'node:fs';
import type { LoadStateDictResult, Module } from '@gradstream/core/nn';
import { type LoadWeightsOptions, loadWeightsFrom, weightsToBytes } from './bytes.js';
import { writeFileAtomic } from './atomic-file.js';
import { WeightsFileError } from './errors.js';
import { checkOptions } from '@gradstream/core';

// Node only: weights from and to paths. The `node` entry exports these under the
// names the browser entry uses for bytes, so Node callers keep one name.

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
  checkOptions('loadWeights', options, ['strict']);
  const { bytes, file } = readSource(source);
  return loadWeightsFrom(model, bytes, file, options);
}

/**
 * Writes `model`'s state dict to `path` as safetensors (the bytes of
 * `weightsToBytes`) with {@link writeFileAtomic}: through an fsynced
 * temporary file renamed over `path`, so a crash, a kill or a power loss
 * leaves the previous file or the new one, and temporary files left by a
 * killed writer are cleaned up on the next save.
 *
 * @example
 * ```ts
 * saveWeights(model, 'checkpoints/lenet5.safetensors', { epoch: '10' });
 * ```
 */
export function saveWeights(model: Module, path: string, metadata?: Readonly<Record<string, string>>): void {
  const bytes = weightsToBytes(model, metadata, path);
  try {
    writeFileAtomic(path, bytes);
  } catch (e) {
    throw new WeightsFileError('unwritable', path, 0, `cannot write: ${(e as Error).message}`);
  }
}
