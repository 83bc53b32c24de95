import { isRecording, recordOp } from '../autograd/tape.js';
import { aliasTensor, closeFailureScope, keep, openFailureScope } from '../tensor/engine.js';
import type { HookHandle, Tensor } from '../tensor/tensor.js';
import { noGrad } from '../ops/gradient-control.js';
import { cast } from '../ops/elementwise.js';
import { reshape } from '../ops/layout.js';
import { shapesEqual } from '../tensor/shape.js';
import { ArgumentError, GradstreamError, fmtShape } from '../util/errors.js';
import { checkOptions } from '../util/options.js';

/** Called after a module's forward pass with the module, its input and its output. */
export type ForwardHook = (module: Module, input: Tensor, output: Tensor) => void;

/**
 * Called in a backward pass with the gradient of the loss with respect to the
 * module's input (null when nothing upstream needs it, e.g. the first layer)
 * and output, as PyTorch's `register_full_backward_hook`. Returning a tensor
 * replaces the input gradient.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook that only observes returns nothing
export type BackwardHook = (module: Module, gradInput: Tensor | null, gradOutput: Tensor) => Tensor | undefined | void;

/** Float dtypes a layer's parameters can be created in. */
export type FloatDType = 'float32' | 'float64';

/** A tensor whose shape differs from the one the module expects. */
export interface ShapeMismatch {
  readonly key: string;
  readonly expected: readonly number[];
  readonly got: readonly number[];
}

/** What `loadStateDict` did not match (reported, not thrown, when `strict` is false). */
export interface LoadStateDictResult {
  readonly missingKeys: readonly string[];
  readonly unexpectedKeys: readonly string[];
}

/**
 * A state dict that does not fit the module. The message lists every
 * missing key, every unexpected key and every shape mismatch at once, so
 * one failed load shows everything there is to fix.
 */
export class StateDictError extends GradstreamError {
  constructor(
    readonly missingKeys: readonly string[],
    readonly unexpectedKeys: readonly string[],
    readonly shapeMismatches: readonly ShapeMismatch[],
  ) {
    const parts: string[] = [];
    if (missingKeys.length) parts.push(`missing keys: ${missingKeys.join(', ')}`);
    if (unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    for (const m of shapeMismatches)
      parts.push(`shape mismatch for ${m.key}: expected ${fmtShape(m.expected)}, got ${fmtShape(m.got)}`);
    super('loadStateDict', parts.join('; '));
  }
}

/** Where an error escaping module calls was raised, found out as it unwinds through each module's `call`. */
interface ErrorOrigin {
  /** The innermost module whose call the error escaped. */
  readonly module: Module;
  /** The outermost module it has escaped so far, and the innermost one's dotted path below it. */
  top: Module;
  path: string;
  labeled: boolean;
}

const origins = new WeakMap<Error, ErrorOrigin>();
let callDepth = 0;

/** Extends the path of an error unwinding out of `m.call` by the name `m` knows its child under. */
function trace(e: Error, m: Module): ErrorOrigin {
  const origin = origins.get(e);
  if (!origin) {
    const fresh = { module: m, top: m, path: '', labeled: false };
    origins.set(e, fresh);
    return fresh;
  }
  if (origin.top !== m && !origin.labeled) {
    const found = m.namedModules().find(([, d]) => d === origin.top);
    if (found) origin.path = origin.path ? `${found[0]}.${origin.path}` : found[0];
    origin.top = m;
  }
  return origin;
}

/**
 * Prefixes the message with the module path and class, PyTorch's names
 * (`features.3 (Conv2d): conv2d: …`), once, when the error leaves the
 * outermost call. The error object is the one thrown, so its class and
 * fields stay as they were.
 */
function label(e: Error, origin: ErrorOrigin): void {
  origin.labeled = true;
  if (Object.isFrozen(e)) return; // its message cannot change; it still propagates as thrown
  const where = origin.path ? `${origin.path} (${origin.module.constructor.name})` : origin.module.constructor.name;
  const before = e.message;
  // Read first: V8 formats the stack lazily, from the message as it is when first read.
  const stack = e.stack;
  e.message = `${where}: ${before}`;
  if (typeof stack === 'string') e.stack = stack.replace(before, () => e.message);
}

/** The same values as a recorded op whose gradient is its output's: a place for hooks to see a gradient. */
function identity(x: Tensor): Tensor {
  const y = aliasTensor(x, x.shape);
  recordOp('backwardHook', [x], y, (dy) => [dy]);
  return y;
}

function assertName(kind: string, name: string, taken: boolean): void {
  if (name === '' || name.includes('.'))
    throw new ArgumentError(kind, `name '${name}' must be non-empty and contain no '.'`);
  if (taken) throw new ArgumentError(kind, `name '${name}' is already registered`);
}

/**
 * Base class of layers and models. Subclasses register parameters, buffers
 * and submodules in their constructor; registration order is state-dict
 * order and names are PyTorch's dotted paths (`features.0.weight`), so
 * torchvision weights map onto the same architectures one to one.
 *
 * Parameters and buffers are kept out of `tidy` scopes; optimizers and
 * BatchNorm replace their storage in place (`Tensor.adopt`, internal; `assignParameter` outside core), so the tensor
 * objects a module hands out stay valid for its whole life.
 *
 * @example
 * ```ts
 * class Affine extends Module {
 *   readonly w = this.addParameter('weight', ones([3]));
 *   readonly b = this.addParameter('bias', zeros([3]));
 *   forward(x: Tensor): Tensor { return add(mul(x, this.w), this.b); }
 * }
 * const m = new Affine();
 * [...m.stateDict().keys()]; // ['weight', 'bias']
 * ```
 */
export abstract class Module {
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly ownModules = new Map<string, Module>();
  private readonly hooks = new Set<ForwardHook>();
  private readonly backwardHooks = new Set<BackwardHook>();
  private isTraining = true;

  /** The forward pass. Call modules through `call` so hooks fire. */
  abstract forward(x: Tensor): Tensor;

  /**
   * Runs `forward`, then every forward hook. Containers invoke their children
   * this way. If it throws, the tensors made during the call are disposed
   * and the error's message is prefixed with the path and class of the
   * module it came from (`features.3 (Conv2d): …`).
   */
  call(x: Tensor): Tensor {
    const mark = openFailureScope();
    callDepth++;
    try {
      const y = this.backwardHooks.size ? this.forwardWithBackwardHooks(x) : this.forward(x);
      for (const hook of this.hooks) hook(this, x, y);
      callDepth--;
      closeFailureScope(mark, false);
      return y;
    } catch (e) {
      callDepth--;
      closeFailureScope(mark, true);
      if (e instanceof Error) {
        const origin = trace(e, this);
        if (callDepth === 0 && !origin.labeled) label(e, origin);
      }
      throw e;
    }
  }

  /**
   * Registers a hook run after every forward pass of this module.
   * @returns a function that removes the hook.
   * @example
   * ```ts
   * const remove = model.addForwardHook((m, x, y) => console.log(m.constructor.name, y.shape));
   * ```
   */
  addForwardHook(hook: ForwardHook): () => void {
    // A fresh wrapper per registration, so adding one function twice gives two removable hooks.
    const own: ForwardHook = (...args) => hook(...args);
    this.hooks.add(own);
    return () => {
      this.hooks.delete(own);
    };
  }

  /**
   * Registers a hook run in every backward pass through this module, with the
   * gradients with respect to its input and output (see {@link BackwardHook}).
   * Only calls made while a gradient is being recorded are hooked.
   * @example
   * ```ts
   * const h = conv.registerFullBackwardHook((m, gIn, gOut) => console.log(gOut.shape));
   * h.remove();
   * ```
   */
  registerFullBackwardHook(hook: BackwardHook): HookHandle {
    if (typeof hook !== 'function')
      throw new ArgumentError('registerFullBackwardHook', `hook must be a function, got ${typeof hook}`);
    const own: BackwardHook = (...args) => hook(...args);
    this.backwardHooks.add(own);
    return {
      remove: () => {
        this.backwardHooks.delete(own);
      },
    };
  }

  /**
   * The forward pass between two recorded identities, PyTorch's trick: the
   * output identity's gradient is the complete output gradient, and the input
   * identity's is the complete input gradient, known only once every use of
   * the input inside `forward` has contributed.
   */
  private forwardWithBackwardHooks(x: Tensor): Tensor {
    const inputTracked = isRecording([x]);
    const input = inputTracked ? identity(x) : x;
    const y = this.forward(input);
    if (!isRecording([y])) return y;
    const output = identity(y);
    let gradOutput: Tensor | undefined;
    const fire = (gradInput: Tensor | null): Tensor | undefined => {
      let replaced: Tensor | undefined;
      for (const hook of [...this.backwardHooks]) {
        const r = hook(this, replaced ?? gradInput, gradOutput!);
        if (r !== undefined && gradInput) replaced = r;
      }
      return replaced;
    };
    output.registerHook((g) => {
      gradOutput = g;
      if (!inputTracked) fire(null);
    });
    if (inputTracked) input.registerHook((g) => (gradOutput ? fire(g) : undefined));
    return output;
  }

  /** Sets `requiresGrad` on every parameter of this module and its descendants (PyTorch's `requires_grad_`); returns this. */
  setRequiresGrad(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Fixes every parameter of this module and its descendants: no gradient
   * is computed for them and optimizers leave them as they are. Returns this.
   * @example
   * ```ts
   * model.features.freeze(); // train the classifier only
   * ```
   */
  freeze(): this {
    return this.setRequiresGrad(false);
  }

  /** Makes every parameter of this module and its descendants trainable again; returns this. */
  unfreeze(): this {
    return this.setRequiresGrad(true);
  }

  /** The parameters with `requiresGrad` (not frozen), in state-dict order. */
  trainableParameters(): Tensor[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** Registers a trainable tensor under `name` (kept out of tidy scopes) and returns it. */
  protected addParameter(name: string, t: Tensor): Tensor {
    assertName('addParameter', name, this.isTaken(name));
    this.ownParameters.set(name, keep(t));
    return t;
  }

  /** Registers non-trainable state (running statistics) under `name` and returns it. */
  protected addBuffer(name: string, t: Tensor): Tensor {
    assertName('addBuffer', name, this.isTaken(name));
    this.ownBuffers.set(name, keep(t));
    return t;
  }

  /** Registers a submodule under `name` and returns it. */
  protected addModule<M extends Module>(name: string, m: M): M {
    assertName('addModule', name, this.isTaken(name));
    this.ownModules.set(name, m);
    return m;
  }

  private isTaken(name: string): boolean {
    return this.ownParameters.has(name) || this.ownBuffers.has(name) || this.ownModules.has(name);
  }

  /** This module and every descendant with its dotted path ('' for this one), pre-order, each module once. */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, path: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([path, m]);
      for (const [name, child] of m.ownModules) visit(child, path ? `${path}.${name}` : name);
    };
    visit(this, '');
    return out;
  }

  /** Direct submodules with their names, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.ownModules];
  }

  /** Direct submodules, in registration order. */
  children(): Module[] {
    return [...this.ownModules.values()];
  }

  private collect(which: 'ownParameters' | 'ownBuffers'): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [path, m] of this.namedModules()) {
      for (const [name, t] of m[which]) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([path ? `${path}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** Every parameter with its dotted name; a parameter shared by two modules is listed once. */
  namedParameters(): [string, Tensor][] {
    return this.collect('ownParameters');
  }

  /** Every parameter, in state-dict order. Pass these to an optimizer. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Every buffer (running statistics, counters) with its dotted name. */
  namedBuffers(): [string, Tensor][] {
    return this.collect('ownBuffers');
  }

  /**
   * Parameters and buffers by dotted name, in PyTorch's order (each module's
   * parameters, then its buffers, then its children). The tensors are the
   * module's own, not copies: their values follow training.
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const visit = (m: Module, prefix: string): void => {
      for (const [name, t] of m.ownParameters) out.set(prefix + name, t);
      for (const [name, t] of m.ownBuffers) out.set(prefix + name, t);
      for (const [name, child] of m.ownModules) visit(child, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Copies values from a state dict into this module's parameters and
   * buffers (casting dtype where needed; the source tensors stay the
   * caller's). Each parameter keeps its own `requiresGrad`, as in PyTorch
   * (weight files carry frozen names in metadata: see `@gradstream/models`). Shape mismatches always throw; missing and unexpected keys
   * throw unless `strict` is false, in which case they are returned.
   *
   * @example
   * ```ts
   * model.loadStateDict(other.stateDict());
   * const { missingKeys } = model.loadStateDict(partial, { strict: false });
   * ```
   */
  loadStateDict(
    sd: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
    options: { readonly strict?: boolean } = {},
  ): LoadStateDictResult {
    const source = sd instanceof Map ? new Map(sd) : new Map(Object.entries(sd as Record<string, Tensor>));
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !source.has(k));
    const unexpectedKeys = [...source.keys()].filter((k) => !own.has(k));
    const shapeMismatches: ShapeMismatch[] = [];
    for (const [key, t] of own) {
      const s = source.get(key);
      if (s && !shapesEqual(s.shape, t.shape)) shapeMismatches.push({ key, expected: t.shape, got: s.shape });
    }
    const strict = checkOptions('loadStateDict', options, ['strict']).strict ?? true;
    if (shapeMismatches.length || (strict && (missingKeys.length || unexpectedKeys.length))) {
      throw new StateDictError(strict ? missingKeys : [], strict ? unexpectedKeys : [], shapeMismatches);
    }
    noGrad(() => {
      for (const [key, t] of own) {
        const s = source.get(key);
        // Tensors are immutable, so sharing the source's storage is a safe copy.
        if (s) t.adopt(s.dtype === t.dtype ? reshape(s, s.shape) : cast(s, t.dtype));
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Whether the module is in training mode (dropout active, batch statistics). */
  get training(): boolean {
    return this.isTraining;
  }

  /** Sets training mode on this module and every descendant; returns this. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.isTraining = mode;
    return this;
  }

  /** Sets evaluation mode (same as `train(false)`); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter and buffer of this module and its descendants. */
  dispose(): void {
    for (const [, t] of this.namedParameters()) t.dispose();
    for (const [, t] of this.namedBuffers()) t.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
