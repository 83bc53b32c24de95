import { tensor } from '../tensor/creation.js';
import { freeOnThrow } from '../tensor/engine.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtValue } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { add, isFloat } from './elementwise.js';
import { noGrad } from './gradient-control.js';
import { gather, reshape, transpose } from './layout.js';
import { matmul } from './matmul.js';
import { type PoolWithIndices, planeOffsets } from './pool.js';
import { argmax } from './reduce.js';

/** Output size of an adaptive pool: one number for every spatial dim, or one per dim. */
export type AdaptiveOutputSize = number | readonly number[];

/** Options of adaptive max pooling. */
export interface AdaptiveMaxPoolOptions {
  /** Also return the int32 indices of the maxima, flattened per channel plane (as PyTorch's return_indices). */
  readonly returnIndices?: boolean;
}

/** PyTorch's adaptive bins: output i covers input [floor(i·n/out), ceil((i+1)·n/out)). */
function bin(i: number, n: number, out: number): [start: number, end: number] {
  return [Math.floor((i * n) / out), Math.ceil(((i + 1) * n) / out)];
}

function checkInput(op: string, rank: number, x: Tensor, outputSize: AdaptiveOutputSize): number[] {
  if (!isFloat(x.dtype)) throw new DTypeError(op, `expects float32 or float64, got ${x.describe()}`);
  if (x.rank !== rank + 2)
    throw new ShapeError(op, `x must be ${rank + 2}-D (N, C, spatial×${rank}), got ${fmtShape(x.shape)}`);
  const out = typeof outputSize === 'number' ? new Array<number>(rank).fill(outputSize) : [...outputSize];
  if (out.length !== rank || out.some((o) => !Number.isInteger(o) || o < 1))
    throw new ArgumentError(op, `outputSize must be ${rank} positive integers, got ${fmtValue(outputSize)}`);
  return out;
}

/** Rows average PyTorch's adaptive bins of an axis of length n. */
function averagingMatrix(n: number, out: number, dtype: Tensor['dtype']): Tensor {
  const m = new Float64Array(out * n);
  for (let i = 0; i < out; i++) {
    const [start, end] = bin(i, n, out);
    for (let j = start; j < end; j++) m[i * n + j] = 1 / (end - start);
  }
  return tensor(dtype === 'float64' ? m : Float32Array.from(m), [out, n], dtype);
}

/** Adaptive bins are boxes, so their mean is separable: one matmul per spatial axis. */
function adaptiveAvgPoolNd(op: string, rank: number, x: Tensor, outputSize: AdaptiveOutputSize): Tensor {
  const out = checkInput(op, rank, x, outputSize);
  let y = x;
  for (let d = 0; d < rank; d++) {
    const axis = d + 2;
    const n = x.shape[axis]!;
    if (n === out[d]) continue;
    const last = x.rank - 1;
    const perm = x.shape.map((_, i) => (i === axis ? last : i === last ? axis : i));
    const m = averagingMatrix(n, out[d]!, x.dtype);
    const moved = axis === last ? y : transpose(y, perm);
    const pooled = matmul(moved, m, { transposeB: true });
    y = axis === last ? pooled : transpose(pooled, perm);
    m.disposeWhenFree();
  }
  return y === x ? reshape(x, x.shape) : y;
}

/**
 * Average pooling of N×C×L to a fixed length, as torch.nn.functional.adaptive_avg_pool1d.
 *
 * @example
 * ```ts
 * adaptiveAvgPool1d(tensor([[[1, 2, 3, 4, 5]]]), 2).toArray(); // [[[2, 4]]]
 * ```
 */
export const adaptiveAvgPool1d = freeOnThrow(function adaptiveAvgPool1d(
  x: Tensor,
  outputSize: number | readonly [number],
): Tensor {
  return adaptiveAvgPoolNd('adaptiveAvgPool1d', 1, x, outputSize);
});

/**
 * Average pooling of N×C×D×H×W to a fixed size, as torch.nn.functional.adaptive_avg_pool3d.
 *
 * @example
 * ```ts
 * adaptiveAvgPool3d(randn([1, 8, 5, 7, 7]), [1, 2, 2]).shape; // [1, 8, 1, 2, 2]
 * ```
 */
export const adaptiveAvgPool3d = freeOnThrow(function adaptiveAvgPool3d(
  x: Tensor,
  outputSize: number | readonly [number, number, number],
): Tensor {
  return adaptiveAvgPoolNd('adaptiveAvgPool3d', 3, x, outputSize);
});

/**
 * For every output position, the plane-local input indices of its bin in
 * row-major order, padded to the largest bin by repeating the bin's first
 * index (a repeat never changes the maximum, and argmax keeps the first).
 */
function binTable(inSpatial: readonly number[], out: readonly number[]): { table: Int32Array; width: number } {
  const bins = out.map((o, d) => Array.from({ length: o }, (_, i) => bin(i, inSpatial[d]!, o)));
  const width = bins.map((b) => Math.max(...b.map(([s, e]) => e - s))).reduce((a, b) => a * b, 1);
  const positions = sizeOf(out);
  const table = new Int32Array(positions * width);
  const inStrides = inSpatial.map((_, d) => sizeOf(inSpatial.slice(d + 1)));
  for (let p = 0; p < positions; p++) {
    let rest = p;
    const ranges = out.map((_, d) => {
      const after = sizeOf(out.slice(d + 1));
      const i = Math.floor(rest / after);
      rest %= after;
      return bins[d]![i]!;
    });
    let k = 0;
    const visit = (d: number, offset: number): void => {
      if (d === ranges.length) {
        table[p * width + k++] = offset;
        return;
      }
      for (let j = ranges[d]![0]; j < ranges[d]![1]; j++) visit(d + 1, offset + j * inStrides[d]!);
    };
    visit(0, 0);
    for (; k < width; k++) table[p * width + k] = table[p * width]!;
  }
  return { table, width };
}

/**
 * Adaptive max pooling: the plane-local index of each bin's first maximum
 * is found without the tape, then the values are gathered from x, so the
 * gradient (a scatter to the maxima, whose own gradient gathers) exists to
 * every order, with ties going to the first maximum as in PyTorch.
 */
function adaptiveMaxPoolNd(
  op: string,
  rank: number,
  x: Tensor,
  outputSize: AdaptiveOutputSize,
  options: AdaptiveMaxPoolOptions,
): Tensor | PoolWithIndices {
  checkOptions(op, options, ['returnIndices']);
  const out = checkInput(op, rank, x, outputSize);
  const [n, c] = x.shape as [number, number];
  const inSpatial = x.shape.slice(2);
  const plane = sizeOf(inSpatial);
  const positions = sizeOf(out);
  const { table, width } = binTable(inSpatial, out);
  const local = noGrad(() => {
    const tableT = tensor(table, [positions * width], 'int32');
    const windows = reshape(gather(reshape(x, [n * c, plane]), tableT, 1), [n * c, positions, width]);
    const which = argmax(windows, 2);
    const rowStarts = tensor(
      Int32Array.from({ length: positions }, (_, p) => p * width),
      [positions],
      'int32',
    );
    const flat = add(which, rowStarts);
    const result = reshape(gather(tableT, reshape(flat, [-1]), 0), [n, c, ...out]);
    for (const t of [tableT, windows, which, rowStarts, flat]) t.dispose();
    return result;
  });
  const offsets = planeOffsets(n, c, plane, rank);
  const global = add(local, offsets);
  const y = reshape(gather(reshape(x, [-1]), reshape(global, [-1]), 0), [n, c, ...out]);
  offsets.dispose();
  global.disposeWhenFree();
  if (options.returnIndices) return [y, local];
  local.dispose();
  return y;
}

function defineAdaptiveMax<S extends AdaptiveOutputSize>(op: string, rank: number) {
  function pool(
    x: Tensor,
    outputSize: S,
    options: AdaptiveMaxPoolOptions & { readonly returnIndices: true },
  ): PoolWithIndices;
  function pool(
    x: Tensor,
    outputSize: S,
    options?: AdaptiveMaxPoolOptions & { readonly returnIndices?: false },
  ): Tensor;
  function pool(x: Tensor, outputSize: S, options: AdaptiveMaxPoolOptions): Tensor | PoolWithIndices;
  function pool(x: Tensor, outputSize: S, options: AdaptiveMaxPoolOptions = {}): Tensor | PoolWithIndices {
    return adaptiveMaxPoolNd(op, rank, x, outputSize, options);
  }
  const guarded = freeOnThrow(pool) as typeof pool;
  Object.defineProperty(guarded, 'name', { value: op });
  return guarded;
}

/**
 * Max pooling of N×C×L to a fixed length, as torch.nn.functional.adaptive_max_pool1d.
 *
 * @example
 * ```ts
 * adaptiveMaxPool1d(tensor([[[1, 5, 2, 0, 3]]]), 2).toArray(); // [[[5, 3]]]
 * ```
 */
export const adaptiveMaxPool1d = defineAdaptiveMax<number | readonly [number]>('adaptiveMaxPool1d', 1);

/**
 * Max pooling of N×C×H×W to a fixed size, as torch.nn.functional.adaptive_max_pool2d.
 *
 * @example
 * ```ts
 * const [y, indices] = adaptiveMaxPool2d(randn([1, 3, 7, 7]), 2, { returnIndices: true }); // both [1, 3, 2, 2]
 * ```
 */
export const adaptiveMaxPool2d = defineAdaptiveMax<number | readonly [number, number]>('adaptiveMaxPool2d', 2);

/**
 * Max pooling of N×C×D×H×W to a fixed size, as torch.nn.functional.adaptive_max_pool3d.
 * @example `adaptiveMaxPool3d(randn([1, 8, 5, 7, 7]), [1, 2, 2]).shape // [1, 8, 1, 2, 2]`
 */
export const adaptiveMaxPool3d = defineAdaptiveMax<number | readonly [number, number, number]>('adaptiveMaxPool3d', 3);
