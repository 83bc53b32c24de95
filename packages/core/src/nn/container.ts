import { add } from '../ops/elementwise.js';
import { concat } from '../ops/layout.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';
import { Module } from './module.js';
import { checkOptions } from '../util/options.js';

/** Submodules given as a list (named '0', '1', …) or as a record (named by its keys, in order). */
export type ModuleList = readonly Module[] | Readonly<Record<string, Module>>;

function entriesOf(modules: ModuleList): [string, Module][] {
  return Array.isArray(modules) ? modules.map((m, i) => [String(i), m]) : Object.entries(modules);
}

/**
 * Runs its children one after another, as torch.nn.Sequential; children are
 * named '0', '1', … (or by the keys of a record), so state-dict keys read
 * `features.0.weight`.
 *
 * @example
 * ```ts
 * const net = new Sequential([new Conv2d(1, 8, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(72, 10)]);
 * net.call(randn([4, 1, 8, 8])).shape; // [4, 10]
 * ```
 */
export class Sequential extends Module {
  private readonly layers: Module[] = [];

  constructor(modules: ModuleList = []) {
    super();
    for (const [name, m] of entriesOf(modules)) this.append(name, m);
  }

  private append(name: string, m: Module): void {
    this.layers.push(this.addModule(name, m));
  }

  /** Appends a module, named by its position; returns this. */
  add(m: Module): this {
    this.append(String(this.layers.length), m);
    return this;
  }

  /** Number of children. */
  get length(): number {
    return this.layers.length;
  }

  /** The child at `index` (negative counts from the end). */
  at(index: number): Module | undefined {
    return this.layers.at(index);
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.call(y);
    return y;
  }
}

/** Options of Residual. */
export interface ResidualOptions {
  /** Maps the input onto the body's output shape (e.g. a strided 1×1 conv); identity when absent. */
  readonly projection?: Module;
}

/**
 * A skip connection: y = body(x) + (projection ? projection(x) : x).
 * Children are named 'body' and 'projection'.
 *
 * @example
 * ```ts
 * const block = new Residual(new Sequential([new Conv2d(8, 8, 3, { padding: 1 }), new BatchNorm2d(8)]));
 * const down = new Residual(new Conv2d(8, 16, 3, { stride: 2, padding: 1 }), { projection: new Conv2d(8, 16, 1, { stride: 2 }) });
 * ```
 */
export class Residual extends Module {
  readonly body: Module;
  readonly projection: Module | undefined;

  constructor(body: Module, options: ResidualOptions = {}) {
    super();
    this.body = this.addModule('body', body);
    checkOptions('Residual', options, ['projection']);
    this.projection = options.projection ? this.addModule('projection', options.projection) : undefined;
  }

  forward(x: Tensor): Tensor {
    return add(this.body.call(x), this.projection ? this.projection.call(x) : x);
  }
}

/** Options of Parallel. */
export interface ParallelOptions {
  /** Axis the branch outputs are joined on (default 1, channels). */
  readonly axis?: number;
}

/**
 * Runs every branch on the same input and concatenates the outputs on the
 * channel axis — an Inception block. Branches are named '0', '1', … or by
 * the keys of a record (e.g. `{ branch1x1, branch3x3 }` as torchvision).
 *
 * @example
 * ```ts
 * const inception = new Parallel([new Conv2d(16, 8, 1), new Conv2d(16, 8, 3, { padding: 1 }), new MaxPool2d(3, { stride: 1, padding: 1 })]);
 * inception.call(randn([2, 16, 8, 8])).shape; // [2, 32, 8, 8]
 * ```
 */
export class Parallel extends Module {
  private readonly branches: Module[] = [];
  readonly axis: number;

  constructor(branches: ModuleList, options: ParallelOptions = {}) {
    super();
    checkOptions('Parallel', options, ['axis']);
    const entries = entriesOf(branches);
    if (entries.length === 0) throw new ArgumentError('Parallel', 'needs at least one branch');
    for (const [name, m] of entries) this.branches.push(this.addModule(name, m));
    this.axis = options.axis ?? 1;
  }

  forward(x: Tensor): Tensor {
    return concat(
      this.branches.map((b) => b.call(x)),
      this.axis,
    );
  }
}

/**
 * An Inception block (Szegedy et al. 2014): every branch sees the same input
 * and the outputs are concatenated on channels. It is Parallel with the axis
 * fixed at 1, under the name the papers use. `Inception` from
 * @gradstream/models is a different class, torchvision's GoogLeNet block
 * built from six channel widths; import one under another name to use both.
 *
 * @example
 * ```ts
 * const block = new Inception({
 *   branch1x1: new Conv2d(16, 8, 1),
 *   branch3x3: new Sequential([new Conv2d(16, 4, 1), new ReLU(), new Conv2d(4, 8, 3, { padding: 1 })]),
 *   pool: new Sequential([new MaxPool2d(3, { stride: 1, padding: 1 }), new Conv2d(16, 4, 1)]),
 * });
 * block.call(randn([2, 16, 8, 8])).shape; // [2, 20, 8, 8]
 * ```
 */
export class Inception extends Parallel {
  constructor(branches: ModuleList) {
    super(branches);
  }
}
