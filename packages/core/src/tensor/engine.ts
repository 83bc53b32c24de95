import type { Backend } from '../backend/contract.js';
import type { DType, Shape, TensorInfo, TypedArray } from '../backend/types.js';
import { getBackend, findBackend } from '../backend/registry.js';
import { DTypeError, DisposedTensorError } from '../util/errors.js';
import { isProfiling, profiledCall } from './profiler.js';
import { sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/** Bytes per element of each dtype. */
export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/**
 * Backend storage shared by tensors that alias it (reshape, stopGradient).
 * Freed when the last tensor holding it is disposed.
 */
export class Storage {
  refCount = 1;
  constructor(
    public backend: Backend,
    public dataId: object,
    readonly bytes: number,
  ) {}
}

interface BackendCount {
  tensors: number;
  bytes: number;
  buffers: number;
}

/** Live tensors and bytes, in total and per backend. */
export interface MemoryInfo {
  readonly numTensors: number;
  readonly numBytes: number;
  readonly backends: Readonly<
    Record<string, { readonly tensors: number; readonly bytes: number; readonly buffers: number }>
  >;
}

/** A tidy scope: tensors created inside it, disposed at its end unless returned or kept. */
interface Scope {
  readonly tensors: Set<Tensor>;
}

const counts = new Map<string, BackendCount>();
const scopes: Scope[] = [];
let nextId = 0;

/**
 * Tensors made while a failure scope (`freeOnThrow`) is open, oldest first.
 * Empty whenever no failure scope is open, so code outside ops pays nothing.
 */
const madeInOps: Tensor[] = [];
let failureDepth = 0;
/** Tensors `keep` was called on inside an open failure scope: they outlive a failure too. */
const keptInOps = new Set<Tensor>();

function countOf(backend: Backend): BackendCount {
  let c = counts.get(backend.name);
  if (!c) {
    c = { tensors: 0, bytes: 0, buffers: 0 };
    counts.set(backend.name, c);
  }
  return c;
}

export function newTensorId(): number {
  return nextId++;
}

/** Wraps storage a kernel just returned into a tensor registered in the current scope. */
export function makeTensor(info: TensorInfo, backend: Backend = getBackend()): Tensor {
  const storage = new Storage(backend, info.dataId, sizeOf(info.shape) * BYTES_PER_ELEMENT[info.dtype]);
  const c = countOf(backend);
  c.bytes += storage.bytes;
  c.buffers++;
  return register(new Tensor(storage, info.shape, info.dtype));
}

/** A new tensor over existing storage (no copy): reshape and stopGradient use it. */
export function aliasTensor(source: Tensor, shape: Shape): Tensor {
  const storage = source.storage;
  storage.refCount++;
  return register(new Tensor(storage, shape, source.dtype));
}

function register(t: Tensor): Tensor {
  countOf(t.storage.backend).tensors++;
  scopes[scopes.length - 1]?.tensors.add(t);
  if (failureDepth > 0) madeInOps.push(t);
  return t;
}

/** Copies host values into a new tensor on the active backend. */
export function writeTensor(values: TypedArray, shape: Shape, dtype: DType): Tensor {
  const backend = getBackend();
  if (!backend.dtypes.includes(dtype)) {
    throw new DTypeError(
      'tensor',
      `backend '${backend.name}' does not support dtype ${dtype} (it supports ${backend.dtypes.join(', ')})`,
    );
  }
  const dataId = isProfiling()
    ? profiledCall('write', [], () => ({ dataId: backend.write(values, shape, dtype), shape, dtype })).dataId
    : backend.write(values, shape, dtype);
  return makeTensor({ dataId, shape, dtype }, backend);
}

/** Called by Tensor.dispose: drops the tensor and frees its storage when no alias remains. */
export function releaseTensor(t: Tensor): void {
  const storage = t.storage;
  countOf(storage.backend).tensors--;
  for (const s of scopes) s.tensors.delete(t);
  dropStorage(storage);
}

function dropStorage(storage: Storage): void {
  if (--storage.refCount > 0) return;
  const c = countOf(storage.backend);
  c.bytes -= storage.bytes;
  c.buffers--;
  storage.backend.disposeData(storage.dataId);
}

/** Gives `target` the storage of `source` (same shape and dtype) and disposes `source`. */
export function adoptStorage(target: Tensor, source: Tensor): void {
  const old = target.storage;
  source.storage.refCount++;
  target.storage = source.storage;
  source.dispose();
  dropStorage(old);
}

/**
 * Moves a tensor's storage to the active backend if it lives on another one,
 * so tensors made before `setBackend` keep working after it.
 */
export function ensureOnActiveBackend(t: Tensor, op: string): Backend {
  if (t.isDisposed) throw new DisposedTensorError(op, `tensor ${t.describe()} was disposed`);
  const backend = getBackend();
  const storage = t.storage;
  if (storage.backend === backend) return backend;
  if (!backend.dtypes.includes(t.dtype)) {
    throw new DTypeError(op, `backend '${backend.name}' does not support dtype ${t.dtype} of tensor ${t.describe()}`);
  }
  const values = storage.backend.readSync(storage.dataId, t.dtype);
  // Written before the old copy is freed: if the new backend cannot take it, the tensor stays where it was.
  const dataId = backend.write(values, t.shape, t.dtype);
  const from = countOf(storage.backend);
  storage.backend.disposeData(storage.dataId);
  from.bytes -= storage.bytes;
  from.buffers--;
  from.tensors--;
  storage.backend = backend;
  storage.dataId = dataId;
  const to = countOf(backend);
  to.bytes += storage.bytes;
  to.buffers++;
  to.tensors++;
  return backend;
}

/**
 * Live tensors and bytes of tensor storage, in total and per backend.
 *
 * @example
 * ```ts
 * const before = memory().numTensors;
 * tidy(() => add(x, y));
 * memory().numTensors === before; // true
 * ```
 */
export function memory(): MemoryInfo {
  let numTensors = 0;
  let numBytes = 0;
  const backends: Record<string, BackendCount> = {};
  for (const [name, c] of counts) {
    numTensors += c.tensors;
    numBytes += c.bytes;
    backends[name] = { ...c };
  }
  return { numTensors, numBytes, backends };
}

/** Collects every tensor reachable in a value returned from a tidy scope. */
function collectTensors(value: unknown, out: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value instanceof Tensor) {
    out.add(value);
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) for (const v of value) collectTensors(v, out, seen);
  else if (value instanceof Map) for (const v of value.values()) collectTensors(v, out, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) collectTensors(v, out, seen);
}

/** Opens a scope; every tensor created until `endScope` belongs to it. */
export function startScope(): void {
  scopes.push({ tensors: new Set() });
}

/**
 * Closes the innermost scope: tensors in `keep` move to the enclosing scope,
 * the rest are disposed (or, while an active gradient tape still needs them,
 * disposed as soon as that tape lets go).
 */
export function endScope(result?: unknown): void {
  const scope = scopes.pop()!;
  const kept = new Set<Tensor>();
  collectTensors(result, kept);
  const parent = scopes[scopes.length - 1];
  for (const t of scope.tensors) {
    if (kept.has(t)) parent?.tensors.add(t);
    else t.disposeWhenFree();
  }
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns
 * (found in arrays, plain objects and Maps of its result).
 *
 * @example
 * ```ts
 * const y = tidy(() => relu(add(matmul(x, w), b))); // intermediates freed
 * ```
 */
export function tidy<T>(fn: () => T): T {
  startScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope();
    throw e;
  }
  if (result instanceof Promise) {
    endScope();
    throw new TypeError('tidy: fn must be synchronous (it returned a Promise)');
  }
  endScope(result);
  return result;
}

/** Removes a tensor from every open tidy scope so it outlives them; returns it. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.tensors.delete(t);
  if (failureDepth > 0) keptInOps.add(t);
  return t;
}

/**
 * @internal Opens a failure scope; returns the mark `closeFailureScope` takes.
 * Prefer `freeOnThrow`; `Module.call` uses the pair directly.
 */
export function openFailureScope(): number {
  failureDepth++;
  return madeInOps.length;
}

/**
 * @internal Closes the innermost failure scope. When `failed`, disposes every
 * tensor made since `mark` that is still live and was not kept (as tidy does:
 * at once, or when a gradient tape holding it lets go). Tensors that existed
 * before the scope opened, the caller's inputs among them, are never touched.
 */
export function closeFailureScope(mark: number, failed: boolean): void {
  // Emptied by pop, not `length = 0`: V8 makes a length reset cost several times a whole guarded call.
  if (failed) {
    while (madeInOps.length > mark) {
      const t = madeInOps.pop()!;
      if (!t.isDisposed && !keptInOps.has(t)) t.disposeWhenFree();
    }
  }
  if (--failureDepth === 0) {
    while (madeInOps.length !== 0) madeInOps.pop();
    if (keptInOps.size !== 0) keptInOps.clear();
  }
}

/**
 * Wraps a public op so that, if it throws, every tensor it made on the way
 * (casts, reshapes, partial results of the ops it composes) is disposed
 * before the error reaches the caller: an implicit scope like `tidy` that
 * frees only on failure. A success frees nothing and returns as `fn` does;
 * nested wrapped ops each free their own part of a failure, so an error
 * caught inside an outer op leaves nothing behind either.
 *
 * @example
 * ```ts
 * export const affine = freeOnThrow(function affine(x: Tensor, w: Tensor, b: Tensor): Tensor {
 *   return add(matmul(x, w), b); // a bad `b` no longer leaks the product
 * });
 * ```
 */
export function freeOnThrow<F extends (...args: never[]) => unknown>(fn: F): F {
  const guarded = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    const mark = openFailureScope();
    let failed = true;
    try {
      const result = fn.apply(this, args) as ReturnType<F>;
      failed = false;
      return result;
    } finally {
      closeFailureScope(mark, failed);
    }
  };
  // Stack traces and `op.name` keep the op's own name.
  Object.defineProperty(guarded, 'name', { value: fn.name });
  return guarded as unknown as F;
}

/** The backend a started name refers to, for tests and tools. */
export { findBackend };
