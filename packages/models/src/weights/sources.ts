import { checkOptions } from '@gradstream/core';
import type { LoadStateDictResult, Module } from '@gradstream/core/nn';
import { type LoadWeightsOptions, loadWeightsFrom } from './bytes.js';
import { WeightsFileError } from './errors.js';

/**
 * Loads a safetensors file a person picked (an `<input type="file">`'s `File`,
 * or any `Blob`) into `model`. Errors name the file.
 *
 * @example
 * ```ts
 * input.onchange = async () => { await loadWeightsFromBlob(model, input.files![0]!); };
 * ```
 */
export async function loadWeightsFromBlob(
  model: Module,
  blob: Blob,
  options: LoadWeightsOptions = {},
): Promise<LoadStateDictResult> {
  checkOptions('loadWeightsFromBlob', options, ['strict']);
  const name = (blob as Partial<File>).name;
  const file = typeof name === 'string' && name !== '' ? name : '<blob>';
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await blob.arrayBuffer());
  } catch (e) {
    throw new WeightsFileError('unreadable', file, 0, (e as Error).message);
  }
  return loadWeightsFrom(model, bytes, file, options);
}

/**
 * Loads the safetensors file a `fetch` answered with into `model`. An HTTP
 * error status is an `unreadable` {@link WeightsFileError} naming the URL, as
 * is a body that cannot be read.
 *
 * @example
 * ```ts
 * await loadWeightsFromResponse(model, await fetch('/weights/lenet5.safetensors'));
 * ```
 */
export async function loadWeightsFromResponse(
  model: Module,
  response: Response,
  options: LoadWeightsOptions = {},
): Promise<LoadStateDictResult> {
  checkOptions('loadWeightsFromResponse', options, ['strict']);
  const file = response.url === '' ? '<response>' : response.url;
  if (!response.ok)
    throw new WeightsFileError('unreadable', file, 0, `HTTP ${response.status} ${response.statusText}`.trimEnd());
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    throw new WeightsFileError('unreadable', file, 0, (e as Error).message);
  }
  return loadWeightsFrom(model, bytes, file, options);
}
