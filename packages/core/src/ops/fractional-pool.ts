import { rand, tensor } from '../tensor/creation.js';
import { freeOnThrow } from '../tensor/engine.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtValue } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { perDim } from './conv-geometry.js';
import { isFloat } from './elementwise.js';
import { noGrad } from './gradient-control.js';
import { gather, reshape } from './layout.js';
import type { PoolWithIndices } from './pool.js';
import { argmax } from './reduce.js';

/** Options of fractional max pooling (Graham 2014), as torch.nn.functional.fractional_max_pool2d. */
export interface FractionalMaxPoolOptions {
  /** The output's spatial size; give this or `outputRatio`. */
  readonly outputSize?: number | readonly number[];
  /** The output's size as a fraction of the input's, each in (0, 1): size = floor(input · ratio). */
  readonly outputRatio?: number | readonly number[];
  /** Also return the int32 indices of the maxima, flattened per channel plane. */
  readonly returnIndices?: boolean;
  /**
   * N×C×rank samples in [0, 1) that place the windows (PyTorch's
   * _random_samples: per plane, the 2-D samples are for W then H, the 3-D
   * ones for D, H, W); drawn from the global generator when absent.
   */
  readonly samples?: Tensor;
}

/**
 * PyTorch's pseudo-random window starts along one axis: with α = (n − k)/(out − 1),
 * start i is ⌊(i + u)α⌋ − ⌊uα⌋, the last one n − k. Computed in the input's
 * precision, as PyTorch does, so float32 inputs get float32's starts.
 */
function starts(u: number, n: number, out: number, k: number, float32: boolean): number[] {
  const r = float32 ? Math.fround : (v: number) => v;
  const seq = new Array<number>(out);
  if (out > 1) {
    const alpha = r(r(n - k) / r(out - 1));
    for (let i = 0; i < out - 1; i++) seq[i] = Math.trunc(r(r(i + u) * alpha)) - Math.trunc(r(u * alpha));
  }
  seq[out - 1] = n - k;
  return seq;
}

function outputShape(
  op: string,
  rank: number,
  inSpatial: readonly number[],
  kernel: readonly number[],
  o: FractionalMaxPoolOptions,
) {
  if ((o.outputSize === undefined) === (o.outputRatio === undefined))
    throw new ArgumentError(op, 'needs exactly one of outputSize and outputRatio');
  const out =
    o.outputSize !== undefined
      ? perDim(op, 'outputSize', o.outputSize, rank, 1, 1)
      : (typeof o.outputRatio === 'number' ? new Array<number>(rank).fill(o.outputRatio) : [...o.outputRatio!]).map(
          (ratio, d) => {
            if (!(ratio > 0 && ratio < 1))
              throw new ArgumentError(op, `outputRatio must be in (0, 1), got ${fmtValue(o.outputRatio)}`);
            return Math.floor(inSpatial[d]! * ratio);
          },
        );
  if (out.length !== rank)
    throw new ArgumentError(op, `outputRatio needs ${rank} entries, got ${fmtValue(o.outputRatio)}`);
  out.forEach((size, d) => {
    if (size < 1 || size + kernel[d]! - 1 > inSpatial[d]!)
      throw new ShapeError(
        op,
        `output ${fmtShape(out)} with kernel ${fmtShape(kernel)} does not fit input ${fmtShape(inSpatial)}: need 1 ≤ output and output + kernel − 1 ≤ input`,
      );
  });
  return out;
}

/** The samples' order per plane, as PyTorch reads them: 2-D [W, H], 3-D [D, H, W]. */
const SAMPLE_AXIS: Record<number, readonly number[]> = { 2: [1, 0], 3: [0, 1, 2] };

/**
 * Fractional max pooling: every plane's windows are placed from its own
 * samples; the maxima are found without the tape (ties to the first in
 * row-major order, as PyTorch), then gathered from x, so the gradient
 * exists to every order.
 */
function fractionalMaxPoolNd(
  op: string,
  rank: 2 | 3,
  x: Tensor,
  kernelSize: number | readonly number[],
  options: FractionalMaxPoolOptions,
): Tensor | PoolWithIndices {
  checkOptions(op, options, ['outputSize', 'outputRatio', 'returnIndices', 'samples']);
  if (!isFloat(x.dtype)) throw new DTypeError(op, `expects float32 or float64, got ${x.describe()}`);
  if (x.rank !== rank + 2)
    throw new ShapeError(op, `x must be ${rank + 2}-D (N, C, spatial×${rank}), got ${fmtShape(x.shape)}`);
  const [n, c] = x.shape as [number, number];
  const inSpatial = x.shape.slice(2);
  const kernel = perDim(op, 'kernelSize', kernelSize, rank, 1, 1);
  const out = outputShape(op, rank, inSpatial, kernel, options);
  const samples = options.samples ?? rand([n, c, rank], x.dtype);
  if (samples.shape.length !== 3 || samples.shape[0] !== n || samples.shape[1] !== c || samples.shape[2] !== rank)
    throw new ShapeError(op, `samples must be [${n}, ${c}, ${rank}], got ${fmtShape(samples.shape)}`);
  const u = samples.dataSync();
  if (samples !== options.samples) samples.dispose();
  for (const v of u)
    if (!(Number(v) >= 0 && Number(v) < 1)) throw new ArgumentError(op, `samples must lie in [0, 1), got ${v}`);
  const plane = sizeOf(inSpatial);
  const positions = sizeOf(out);
  const width = sizeOf(kernel);
  const inStrides = inSpatial.map((_, d) => sizeOf(inSpatial.slice(d + 1)));
  const offsets = [...positionsOf(kernel)].map((o) => o.reduce((acc, v, d) => acc + v * inStrides[d]!, 0));
  const table = new Int32Array(n * c * positions * width);
  for (let p = 0; p < n * c; p++) {
    const startsPerDim = SAMPLE_AXIS[rank]!.map((axis, s) => [axis, s] as const)
      .sort(([a], [b]) => a - b)
      .map(([axis, s]) =>
        starts(Number(u[p * rank + s]), inSpatial[axis]!, out[axis]!, kernel[axis]!, x.dtype === 'float32'),
      );
    let q = 0;
    for (const o of positionsOf(out)) {
      const corner = o.reduce((acc, i, d) => acc + startsPerDim[d]![i]! * inStrides[d]!, 0);
      for (let k = 0; k < width; k++) table[(p * positions + q) * width + k] = p * plane + corner + offsets[k]!;
      q++;
    }
  }
  const flatX = reshape(x, [-1]);
  const which = noGrad(() => {
    const tableT = tensor(table, [table.length], 'int32');
    const windows = reshape(gather(flatX, tableT, 0), [n * c * positions, width]);
    const best = argmax(windows, 1).dataSync();
    tableT.dispose();
    windows.dispose();
    return best;
  });
  const global = new Int32Array(n * c * positions);
  const local = new Int32Array(n * c * positions);
  for (let j = 0; j < global.length; j++) {
    global[j] = table[j * width + which[j]!]!;
    local[j] = global[j]! - Math.floor(j / positions) * plane;
  }
  const globalT = tensor(global, [global.length], 'int32');
  const y = reshape(gather(flatX, globalT, 0), [n, c, ...out]);
  globalT.disposeWhenFree();
  return options.returnIndices ? [y, tensor(local, [n, c, ...out], 'int32')] : y;
}

/** Row-major multi-indices of a box. */
function* positionsOf(shape: readonly number[]): Generator<number[]> {
  const total = sizeOf(shape);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    yield shape.map((_, d) => {
      const after = sizeOf(shape.slice(d + 1));
      const i = Math.floor(rest / after);
      rest %= after;
      return i;
    });
  }
}

function defineFractional(op: string, rank: 2 | 3) {
  function pool(
    x: Tensor,
    kernelSize: number | readonly number[],
    options: FractionalMaxPoolOptions & { readonly returnIndices: true },
  ): PoolWithIndices;
  function pool(
    x: Tensor,
    kernelSize: number | readonly number[],
    options: FractionalMaxPoolOptions & { readonly returnIndices?: false },
  ): Tensor;
  function pool(
    x: Tensor,
    kernelSize: number | readonly number[],
    options: FractionalMaxPoolOptions,
  ): Tensor | PoolWithIndices;
  function pool(
    x: Tensor,
    kernelSize: number | readonly number[],
    options: FractionalMaxPoolOptions,
  ): Tensor | PoolWithIndices {
    return fractionalMaxPoolNd(op, rank, x, kernelSize, options);
  }
  const guarded = freeOnThrow(pool) as typeof pool;
  Object.defineProperty(guarded, 'name', { value: op });
  return guarded;
}

/**
 * Fractional max pooling over H×W (Graham 2014), as
 * torch.nn.functional.fractional_max_pool2d: k×k windows at pseudo-random
 * starts shrink the input by a non-integer factor.
 *
 * @example
 * ```ts
 * fractionalMaxPool2d(randn([1, 3, 10, 10]), 2, { outputRatio: 0.7 }).shape; // [1, 3, 7, 7]
 * ```
 */
export const fractionalMaxPool2d = defineFractional('fractionalMaxPool2d', 2);

/**
 * Fractional max pooling over D×H×W, as torch.nn.functional.fractional_max_pool3d.
 * @example `fractionalMaxPool3d(randn([1, 2, 8, 8, 8]), 2, { outputSize: 5 }).shape // [1, 2, 5, 5, 5]`
 */
export const fractionalMaxPool3d = defineFractional('fractionalMaxPool3d', 3);
