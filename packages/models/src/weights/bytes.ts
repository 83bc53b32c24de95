import { checkOptions, tensor, type Tensor } from '@gradstream/core';
import type { LoadStateDictResult, Module } from '@gradstream/core/nn';
import { decodeWithHeader, encodeSafetensors, type RawTensor } from './codec.js';
import { ELEMENT_BYTES } from './header.js';
import { WeightsFileError } from './errors.js';

/** Options of `loadWeights` and the other weight loaders. */
export interface LoadWeightsOptions {
  /** Throw on missing or unexpected tensors (default true). Wrong shapes always throw. */
  readonly strict?: boolean;
}

/**
 * The metadata key under which `weightsToBytes` lists the frozen parameters
 * (`requiresGrad` false) as a JSON array of state-dict names, and from which
 * the loaders restore them. Files without it (torchvision's, PyTorch's
 * `save_file`) leave every parameter's `requiresGrad` as it was; PyTorch
 * ignores the key, so files keep moving both ways.
 */
export const FROZEN_METADATA_KEY = 'gradstream.frozen';

/** The frozen names a file lists, or undefined when it lists none; a malformed list is the file's error. */
function frozenNames(metadata: Readonly<Record<string, string>>, file: string): Set<string> | undefined {
  const raw = metadata[FROZEN_METADATA_KEY];
  if (raw === undefined) return undefined;
  let names: unknown;
  try {
    names = JSON.parse(raw);
  } catch {
    names = undefined;
  }
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))
    throw new WeightsFileError(
      'bad-header',
      file,
      0,
      `metadata '${FROZEN_METADATA_KEY}' must be a JSON array of names`,
    );
  return new Set(names as string[]);
}

/**
 * Decodes safetensors `bytes` into `model`; `file` names the source in errors.
 * The whole file is decoded and checked before any parameter changes: a NaN
 * or an infinity is rejected with the tensor's name and byte offset, and
 * values are cast to the dtype of the parameter they load into (as
 * PyTorch's `load_state_dict` copies into the parameter), so float64 files
 * load into float32 models on backends without float64. A file listing frozen
 * parameters under {@link FROZEN_METADATA_KEY} sets `requiresGrad` on every
 * parameter it holds (false for the listed ones).
 */
export function loadWeightsFrom(
  model: Module,
  bytes: Uint8Array,
  file: string,
  options: LoadWeightsOptions,
): LoadStateDictResult {
  const { tensors, header } = decodeWithHeader(bytes, file);
  const frozen = frozenNames(header.metadata, file);
  const offsets = new Map(header.entries.map((e) => [e.name, { at: header.dataStart + e.begin, dtype: e.dtype }]));
  const targets = new Map([...model.stateDict()].map(([name, t]) => [name, t.dtype]));
  const sd = new Map<string, Tensor>();
  try {
    for (const [name, raw] of tensors) {
      const where = offsets.get(name)!;
      checkFinite(raw.data, name, where.at, ELEMENT_BYTES[where.dtype], file);
      const target = targets.get(name);
      const { data, dtype } = castFor(raw, target === 'bool' ? undefined : target, name, where, file);
      sd.set(name, tensor(data, raw.shape, dtype));
    }
    const result = model.loadStateDict(sd, { strict: options.strict ?? true });
    if (frozen) for (const [name, p] of model.namedParameters()) if (sd.has(name)) p.requiresGrad = !frozen.has(name);
    return result;
  } finally {
    // The model adopted aliases of these, so dropping ours frees nothing it uses.
    for (const t of sd.values()) t.dispose();
  }
}

function checkFinite(data: RawTensor['data'], name: string, at: number, elementBytes: number, file: string): void {
  if (data instanceof Int32Array) return;
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i]!)) continue;
    throw new WeightsFileError(
      'non-finite',
      file,
      at + i * elementBytes,
      `tensor '${name}': element ${i} is ${data[i]}; weights must be finite`,
    );
  }
}

/**
 * Float64 values headed for a float32 (or int32) parameter are narrowed here,
 * so that no float64 tensor is ever made: backends without float64 (wasm)
 * load such files too. Other dtype changes are left to loadStateDict's cast.
 * Tensors the model does not have keep float32 at most: they are only reported.
 */
function castFor(
  raw: RawTensor,
  target: RawTensor['dtype'] | undefined,
  name: string,
  where: { readonly at: number; readonly dtype: string },
  file: string,
): Pick<RawTensor, 'data' | 'dtype'> {
  if (raw.dtype !== 'float64' || target === 'float64') return raw;
  if (target === 'int32') return { data: Int32Array.from(raw.data, Math.trunc), dtype: 'int32' };
  const data = Float32Array.from(raw.data);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new WeightsFileError(
      'out-of-range',
      file,
      where.at + 8 * bad,
      `tensor '${name}': ${where.dtype} value ${raw.data[bad]} of element ${bad} overflows float32`,
    );
  return { data, dtype: 'float32' };
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
  checkOptions('loadWeights', options, ['strict']);
  return loadWeightsFrom(model, bytes, '<bytes>', options);
}

function toRaw(name: string, t: Tensor, file: string): RawTensor {
  if (t.dtype === 'bool')
    throw new WeightsFileError('unsupported', file, 0, `tensor '${name}': bool tensors are not written`);
  return { dtype: t.dtype, shape: t.shape, data: t.dataSync() as RawTensor['data'] };
}

/**
 * `model`'s state dict as the bytes of a safetensors file (float32 as F32,
 * float64 as F64, int32 buffers as I32), in state-dict order, with the
 * frozen parameters' names under {@link FROZEN_METADATA_KEY} when there are any: the same bytes
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
  const frozen = model.namedParameters().filter(([, p]) => !p.requiresGrad);
  return encodeSafetensors(
    raw,
    frozen.length ? { ...metadata, [FROZEN_METADATA_KEY]: JSON.stringify(frozen.map(([n]) => n)) } : metadata,
  );
}
