import { checkOptions } from '@gradstream/core';
import type { LoadStateDictResult, Module } from '@gradstream/core/nn';
import { type LoadWeightsOptions, loadWeightsFrom, weightsToBytes } from './bytes.js';
import { WeightsFileError } from './errors.js';

/** Where weights live in IndexedDB. */
export interface IndexedDBWeightsOptions {
  /** Database name (default `'gradstream'`); it holds one object store, `weights`, keyed by name. */
  readonly database?: string;
  /** The IndexedDB to use (default `globalThis.indexedDB`), e.g. a worker's or a test's. */
  readonly indexedDB?: IDBFactory;
}

const STORE = 'weights';

function location(key: string, options: IndexedDBWeightsOptions): string {
  return `indexeddb:${options.database ?? 'gradstream'}/${key}`;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function openStore<T>(
  key: string,
  options: IndexedDBWeightsOptions,
  mode: IDBTransactionMode,
  use: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  const where = location(key, options);
  if (factory === undefined) throw new WeightsFileError('unsupported', where, 0, 'this runtime has no IndexedDB');
  let db: IDBDatabase;
  try {
    const open = factory.open(options.database ?? 'gradstream', 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    db = await request(open);
  } catch (e) {
    throw new WeightsFileError(mode === 'readonly' ? 'unreadable' : 'unwritable', where, 0, String(e));
  }
  try {
    const tx = db.transaction(STORE, mode);
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error);
    });
    const result = await request(use(tx.objectStore(STORE)));
    // A write counts only once its transaction has committed.
    await done;
    return result;
  } catch (e) {
    throw new WeightsFileError(mode === 'readonly' ? 'unreadable' : 'unwritable', where, 0, String(e));
  } finally {
    db.close();
  }
}

/**
 * Stores `model`'s weights in IndexedDB under `key`, as the bytes of a
 * safetensors file (those of `weightsToBytes`), replacing what was there.
 * Resolves once the write has committed.
 *
 * @example
 * ```ts
 * await saveWeightsToIndexedDB(model, 'lenet5', { metadata: { steps: '300' } });
 * ```
 */
export async function saveWeightsToIndexedDB(
  model: Module,
  key: string,
  options: IndexedDBWeightsOptions & { readonly metadata?: Readonly<Record<string, string>> } = {},
): Promise<void> {
  checkOptions('saveWeightsToIndexedDB', options, ['database', 'indexedDB', 'metadata']);
  const bytes = weightsToBytes(model, options.metadata, location(key, options));
  await openStore(key, options, 'readwrite', (store) => store.put(bytes, key));
}

/**
 * Loads weights that `saveWeightsToIndexedDB` stored under `key` into `model`.
 * A key with nothing stored is an `unreadable` {@link WeightsFileError} naming
 * `indexeddb:<database>/<key>`.
 *
 * @example
 * ```ts
 * await loadWeightsFromIndexedDB(model, 'lenet5');
 * ```
 */
export async function loadWeightsFromIndexedDB(
  model: Module,
  key: string,
  options: IndexedDBWeightsOptions & LoadWeightsOptions = {},
): Promise<LoadStateDictResult> {
  checkOptions('loadWeightsFromIndexedDB', options, ['database', 'indexedDB', 'strict']);
  const where = location(key, options);
  const stored: unknown = await openStore(key, options, 'readonly', (store) => store.get(key));
  if (stored === undefined) throw new WeightsFileError('unreadable', where, 0, 'nothing is stored under this key');
  if (!(stored instanceof Uint8Array))
    throw new WeightsFileError('bad-header', where, 0, 'the stored value is not the bytes of a safetensors file');
  return loadWeightsFrom(model, stored, where, options);
}
