import type { DType, Shape, TypedArray } from '../backend/types.js';
import { ArgumentError, DisposedTensorError, ShapeError, fmtShape } from '../util/errors.js';
import type { Storage } from './engine.js';
import { adoptStorage, newTensorId, releaseTensor } from './engine.js';
import { isProfiling, profiledCall } from './profiler.js';
import { sizeOf } from './shape.js';
// Declares Symbol.dispose for the published .d.ts (browser projects on lib es2023 lack it).
import '../util/disposable.js';

/**
 * Called with a tensor's gradient once it is complete in a backward pass;
 * returning a tensor (same shape and dtype) replaces the gradient from there
 * on, as PyTorch's `Tensor.register_hook`.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook that only observes returns nothing
export type GradientHook = (grad: Tensor) => Tensor | undefined | void;

/** What `registerHook` returns: `remove()` unregisters the hook (idempotent). */
export interface HookHandle {
  remove(): void;
}

/** Nested arrays of numbers (or booleans), as returned by `toArray()`. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * An n-dimensional array held by a backend. Immutable: ops return new
 * tensors. Free its storage with `dispose()` (or `using`), or create it
 * inside `tidy`.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);
 * x.shape;        // [2, 2]
 * x.toArray();    // [[1, 2], [3, 4]]
 * x.dispose();
 * ```
 */
export class Tensor {
  /** Unique id, used by the gradient tape. */
  readonly id = newTensorId();
  readonly size: number;
  private disposed = false;
  /** How many active gradient tapes hold this tensor for their backward pass. */
  private tapeRefs = 0;
  private disposePending = false;
  /** @internal The backend memory behind this tensor; `adopt` swaps it. */
  storage: Storage;
  /**
   * Whether gradients are computed for this tensor (default true). False
   * makes it a constant to autograd, as PyTorch's `requires_grad_(False)`:
   * `grad`, `variableGrads` and the other transforms do not track it, so no
   * backward kernel runs for it (and none for a subgraph that depends only on
   * such tensors); its gradient comes back as zeros, and optimizers leave it
   * unchanged. `Module.freeze()` sets it on a module's parameters.
   *
   * @example
   * ```ts
   * conv.weight.requiresGrad = false; // or conv.freeze()
   * ```
   */
  requiresGrad = true;
  private hooks: Map<number, GradientHook> | undefined;
  private nextHookId = 0;

  /**
   * Not for users: tensors come from the creation functions (`tensor`,
   * `zeros`, …) and from ops. `storage` is core's handle on backend memory,
   * which only core makes (the constructor stays in the .d.ts, unlike the
   * internal members, so that `new Tensor()` does not type-check).
   */
  constructor(
    storage: Storage,
    readonly shape: Shape,
    readonly dtype: DType,
  ) {
    this.storage = storage;
    this.size = sizeOf(shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Shape and dtype as error messages print them. */
  describe(): string {
    return `${fmtShape(this.shape)} ${this.dtype}`;
  }

  private assertLive(op: string): void {
    if (this.disposed) throw new DisposedTensorError(op, `tensor ${this.describe()} was disposed`);
  }

  /** A copy of the values, flat and row-major. */
  dataSync(): TypedArray {
    this.assertLive('dataSync');
    const { backend, dataId } = this.storage;
    if (!isProfiling()) return backend.readSync(dataId, this.dtype);
    return profiledCall('read', [{ dataId, shape: this.shape, dtype: this.dtype }], () =>
      backend.readSync(dataId, this.dtype),
    );
  }

  /** A copy of the values, flat and row-major, once the backend has them. */
  async data(): Promise<TypedArray> {
    this.assertLive('data');
    return this.storage.backend.read(this.storage.dataId, this.dtype);
  }

  /** The values as nested arrays (booleans for `bool`). */
  toArray(): NestedArray {
    this.assertLive('toArray');
    const flat = this.dataSync();
    const asBool = this.dtype === 'bool';
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return asBool ? flat[offset] !== 0 : flat[offset]!;
      const n = this.shape[dim]!;
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    this.assertLive('item');
    if (this.size !== 1) throw new ShapeError('item', `expects a tensor with one element, got ${fmtShape(this.shape)}`);
    return this.dataSync()[0]!;
  }

  /** Frees the storage (once no alias remains). Using the tensor afterwards throws. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    releaseTensor(this);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal Disposes now, or when the last gradient tape holding it lets go. */
  disposeWhenFree(): void {
    if (this.tapeRefs > 0) this.disposePending = true;
    else this.dispose();
  }

  /** @internal Called by a tape that keeps this tensor for its backward pass. */
  holdTape(): void {
    this.tapeRefs++;
  }

  /** @internal Called by a tape releasing this tensor. */
  releaseTape(): void {
    if (--this.tapeRefs === 0 && this.disposePending) this.dispose();
  }

  /**
   * @internal Replaces the storage with another tensor's (same shape and
   * dtype), which is consumed. Optimizers update parameters in place this way.
   */
  adopt(source: Tensor): void {
    this.assertLive('assign');
    source.assertLive('assign');
    if (source === this) return;
    if (
      source.dtype !== this.dtype ||
      source.shape.length !== this.shape.length ||
      source.shape.some((d, i) => d !== this.shape[i])
    ) {
      throw new ShapeError(
        'assign',
        `cannot give ${this.describe()} the storage of ${source.describe()}: shape and dtype must match`,
      );
    }
    adoptStorage(this, source);
  }

  /**
   * Registers `hook`, called with this tensor's gradient each time a backward
   * pass has summed it (once per pass, after every use of the tensor has
   * contributed). A hook returning a tensor replaces the gradient: what flows
   * on to the ops that made this tensor, or what `grad` returns for an input.
   * Hooks run in registration order, each seeing the previous one's result.
   *
   * @example
   * ```ts
   * const h = x.registerHook((g) => mul(g, 2)); // doubles x's gradient
   * h.remove();
   * ```
   */
  registerHook(hook: GradientHook): HookHandle {
    if (typeof hook !== 'function')
      throw new ArgumentError('registerHook', `hook must be a function, got ${typeof hook}`);
    this.hooks ??= new Map();
    const id = this.nextHookId++;
    this.hooks.set(id, hook);
    return {
      remove: () => {
        this.hooks?.delete(id);
      },
    };
  }

  /** @internal The registered gradient hooks, in registration order (none: empty). */
  gradientHooks(): readonly GradientHook[] {
    return this.hooks ? [...this.hooks.values()] : [];
  }

  toString(): string {
    return `Tensor(${this.describe()})`;
  }
}
