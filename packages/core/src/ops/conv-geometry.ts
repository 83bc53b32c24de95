import type { ConvGeometry, WindowGeometry } from '../backend/contract.js';
import type { Shape } from '../backend/types.js';
import { ArgumentError, ShapeError, fmtShape, fmtValue } from '../util/errors.js';

/** Padding as a number (all sides), one number per dimension, [before, after] per dimension, `'valid'` (none) or `'same'` (output = ⌈input / stride⌉). */
export type Padding = number | readonly number[] | readonly (readonly [number, number])[] | 'valid' | 'same';

/**
 * floor((n + 2p − d(k−1) − 1)/s) + 1, the output length of a convolution or
 * pooling window; `p` may be a [before, after] pair. Throws a ShapeError
 * naming `op` when the output would be empty.
 *
 * @example
 * ```ts
 * convOutputSize(28, 5, 1, 2, 1); // 28
 * ```
 */
export function convOutputSize(
  n: number,
  k: number,
  s: number,
  p: number | readonly [number, number],
  d = 1,
  op = 'convOutputSize',
  ceilMode = false,
): number {
  const [before, after] = typeof p === 'number' ? [p, p] : p;
  const span = n + before + after - d * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // PyTorch: in ceil mode the last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * s >= n + before) out--;
  if (span < 0 || out <= 0) {
    throw new ShapeError(
      op,
      `input size ${n} with kernel ${k}, dilation ${d}, padding [${before},${after}] and stride ${s} gives an empty output`,
    );
  }
  return out;
}

/**
 * Expands a per-dimension option (one number for every dimension, or one per
 * dimension; `fallback` when absent) to `rank` entries, each an integer ≥
 * `min`, or throws an ArgumentError naming `op` and the option.
 */
export function perDim(
  op: string,
  name: string,
  value: number | readonly number[] | undefined,
  rank: number,
  fallback: number,
  min: number,
): number[] {
  const list =
    value === undefined
      ? new Array<number>(rank).fill(fallback)
      : typeof value === 'number'
        ? new Array<number>(rank).fill(value)
        : [...value];
  if (list.length !== rank) throw new ArgumentError(op, `${name} needs ${rank} entries, got ${fmtValue(value)}`);
  for (const v of list)
    if (!Number.isInteger(v) || v < min)
      throw new ArgumentError(op, `${name} must be integers ≥ ${min}, got ${fmtValue(value)}`);
  return list;
}

/** Resolves a Padding into [before, after] pairs. */
export function resolvePadding(
  op: string,
  padding: Padding | undefined,
  rank: number,
  inShape: Shape,
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
): [number, number][] {
  if (padding === undefined || padding === 'valid') return new Array(rank).fill(0).map(() => [0, 0]);
  if (padding === 'same') {
    return inShape.map((n, i) => {
      const total = Math.max((Math.ceil(n / stride[i]!) - 1) * stride[i]! + dilation[i]! * (kernel[i]! - 1) + 1 - n, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  if (typeof padding === 'number' || typeof (padding as readonly unknown[])[0] === 'number') {
    return perDim(op, 'padding', padding as number | number[], rank, 0, 0).map((p) => [p, p]);
  }
  const pairs = padding as readonly (readonly [number, number])[];
  if (pairs.length !== rank || pairs.some((p) => p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new ArgumentError(
      op,
      `padding needs ${rank} [before, after] pairs of non-negative integers, got ${fmtValue(padding)}`,
    );
  }
  return pairs.map(([a, b]) => [a, b]);
}

/** Options shared by convolutions. */
export interface ConvOptions {
  readonly stride?: number | readonly number[];
  readonly padding?: Padding;
  readonly dilation?: number | readonly number[];
  readonly groups?: number;
}

/** Checks x and w of an N-d convolution and resolves its geometry. */
export function convGeometry(
  op: string,
  rank: number,
  xShape: Shape,
  wShape: Shape,
  options: ConvOptions,
): ConvGeometry {
  if (xShape.length !== rank + 2)
    throw new ShapeError(
      op,
      `x must be ${rank + 2}-D (N, C, ${['L', 'H, W', 'D, H, W'][rank - 1]}), got ${fmtShape(xShape)}`,
    );
  if (wShape.length !== rank + 2)
    throw new ShapeError(op, `weight must be ${rank + 2}-D (O, C/groups, kernel…), got ${fmtShape(wShape)}`);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1)
    throw new ArgumentError(op, `groups must be a positive integer, got ${groups}`);
  const c = xShape[1]!;
  const o = wShape[0]!;
  if (c % groups !== 0 || o % groups !== 0)
    throw new ShapeError(op, `groups ${groups} must divide input channels ${c} and output channels ${o}`);
  if (wShape[1]! * groups !== c) {
    throw new ShapeError(
      op,
      `weight ${fmtShape(wShape)} expects ${wShape[1]! * groups} input channels (groups ${groups}), x ${fmtShape(xShape)} has ${c}`,
    );
  }
  const kernel = wShape.slice(2);
  const stride = perDim(op, 'stride', options.stride, rank, 1, 1);
  const dilation = perDim(op, 'dilation', options.dilation, rank, 1, 1);
  if (options.padding === 'same' && stride.some((s) => s !== 1)) {
    throw new ArgumentError(op, "padding 'same' needs stride 1, as in PyTorch");
  }
  const padding = resolvePadding(op, options.padding, rank, xShape.slice(2), kernel, stride, dilation);
  for (let i = 0; i < rank; i++) convOutputSize(xShape[i + 2]!, kernel[i]!, stride[i]!, padding[i]!, dilation[i]!, op);
  return { stride, dilation, padding, groups };
}

/** Output shape N×O×(spatial) of a convolution. */
export function convOutputShape(op: string, xShape: Shape, wShape: Shape, g: ConvGeometry): number[] {
  const spatial = xShape
    .slice(2)
    .map((n, i) => convOutputSize(n, wShape[i + 2]!, g.stride[i]!, g.padding[i]!, g.dilation[i]!, op));
  return [xShape[0]!, wShape[0]!, ...spatial];
}

/** Options of sliding-window ops (pooling, unfold). */
export interface WindowOptions {
  readonly stride?: number | readonly number[];
  readonly padding?: number | readonly number[] | readonly (readonly [number, number])[];
  readonly dilation?: number | readonly number[];
  readonly ceilMode?: boolean;
}

/** Checks an N×C×(spatial) input and resolves the window geometry over its last `rank` dims. */
export function windowGeometry(
  op: string,
  rank: number,
  xShape: Shape,
  kernelSize: number | readonly number[],
  options: WindowOptions,
  defaultStride: 'kernel' | 1,
): WindowGeometry {
  if (xShape.length !== rank + 2)
    throw new ShapeError(op, `x must be ${rank + 2}-D (N, C, spatial×${rank}), got ${fmtShape(xShape)}`);
  const kernel = perDim(op, 'kernelSize', kernelSize, rank, 1, 1);
  const stride = perDim(op, 'stride', options.stride, rank, 1, 1).map((s, i) =>
    options.stride === undefined && defaultStride === 'kernel' ? kernel[i]! : s,
  );
  const dilation = perDim(op, 'dilation', options.dilation, rank, 1, 1);
  const padding = resolvePadding(op, options.padding, rank, xShape.slice(2), kernel, stride, dilation);
  const outShape = xShape
    .slice(2)
    .map((n, i) => convOutputSize(n, kernel[i]!, stride[i]!, padding[i]!, dilation[i]!, op, options.ceilMode ?? false));
  return { kernel, stride, dilation, padding, outShape };
}
