/**
 * Shape, stride and window helpers that every backend's kernels need. Core's
 * ops use the same functions, so a backend and core can never disagree on
 * what a shape's size, its row-major strides or a broadcast mean. Exported
 * from `@gradstream/core` for third-party backends.
 *
 * @example
 * ```ts
 * import { RowCursor, broadcastShapes, broadcastStrides, planStrided } from '@gradstream/core';
 * // a + b with broadcasting, one row at a time
 * const shape = broadcastShapes('add', aShape, bShape);
 * const cursor = new RowCursor(planStrided(shape, [broadcastStrides(aShape, shape), broadcastStrides(bShape, shape)]));
 * for (let r = 0, o = 0; r < cursor.rows; r++, o += cursor.rowLength, cursor.next()) {
 *   const [ia, ib] = cursor.offsets;
 *   // out[o + j] = a[ia + j·cursor.rowStrides[0]] + b[ib + j·cursor.rowStrides[1]]
 * }
 * ```
 */
import { ShapeError, fmtShape } from '../util/errors.js';
import type { WindowGeometry } from './contract.js';
import type { Shape } from './types.js';

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements, of a contiguous tensor of this shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * NumPy broadcasting of any number of shapes. Throws a ShapeError naming `op`
 * and the shapes when they do not broadcast (core checks before it calls a
 * kernel, so inside a kernel this never throws).
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else throw new ShapeError(op, `shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together`);
    }
  }
  return out;
}

/** Strides that read a contiguous `shape` as if broadcast to `outShape` (right-aligned; 0 along broadcast dims). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_d, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : own[j]!;
  });
}

/**
 * A loop nest over an N-d block for several operands at once, each with its
 * own strides (0 where it is broadcast). The last dimension is the row.
 */
export interface StridedPlan {
  /** Dimension sizes after collapsing, outermost first; rank ≥ 1. */
  readonly shape: readonly number[];
  /** Per operand, its stride (in elements) along each dimension of `shape`. */
  readonly strides: readonly (readonly number[])[];
}

/**
 * Plans a walk over `dims` for operands with the given strides. Dimensions of
 * size 1 are dropped and neighbours that every operand walks as one run
 * (stride[i] = stride[i+1]·dims[i+1]) are merged, so a same-shape op becomes
 * a single row and a bias add a few long ones. One planner serves
 * broadcasting, transposes, reductions and block copies alike.
 */
export function planStrided(dims: readonly number[], strides: readonly (readonly number[])[]): StridedPlan {
  const shape: number[] = [];
  const kept: number[][] = strides.map(() => []);
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!;
    if (d === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && strides.every((s, j) => kept[j]![last] === s[i]! * d)) {
      shape[last]! *= d;
      strides.forEach((s, j) => {
        kept[j]![last] = s[i]!;
      });
    } else {
      shape.push(d);
      strides.forEach((s, j) => {
        kept[j]!.push(s[i]!);
      });
    }
  }
  if (shape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape, strides: kept };
}

/**
 * Walks the rows of a plan in row-major order, keeping each operand's offset
 * at the start of the current row (an odometer over the outer dimensions).
 * Kernels loop `for (r < rows) { …row…; next() }` with no callback per row.
 */
export class RowCursor {
  /** Number of rows (0 when the block is empty). */
  readonly rows: number;
  /** Elements per row. */
  readonly rowLength: number;
  /** Per operand, its stride along the row. */
  readonly rowStrides: readonly number[];
  /** Per operand, the offset of the current row's first element. */
  readonly offsets: number[];
  private readonly outer: readonly number[];
  private readonly outerStrides: readonly (readonly number[])[];
  private readonly counter: number[];

  /** `start` holds each operand's offset of the first element (default 0 for all). */
  constructor(plan: StridedPlan, start?: readonly number[]) {
    const rank = plan.shape.length;
    this.outer = plan.shape.slice(0, rank - 1);
    this.outerStrides = plan.strides.map((s) => s.slice(0, rank - 1));
    this.rowLength = plan.shape[rank - 1]!;
    this.rowStrides = plan.strides.map((s) => s[rank - 1]!);
    this.rows = this.rowLength === 0 ? 0 : sizeOf(this.outer);
    this.offsets = start ? [...start] : plan.strides.map(() => 0);
    this.counter = this.outer.map(() => 0);
  }

  /** Moves to the next row. */
  next(): void {
    const { outer, outerStrides, offsets } = this;
    for (let d = outer.length - 1; d >= 0; d--) {
      const count = ++this.counter[d]!;
      if (count < outer[d]!) {
        for (let j = 0; j < offsets.length; j++) offsets[j]! += outerStrides[j]![d]!;
        return;
      }
      this.counter[d] = 0;
      for (let j = 0; j < offsets.length; j++) offsets[j]! -= outerStrides[j]![d]! * (count - 1);
    }
  }
}

/** Three numbers, [depth, height, width]. */
export type Dims3 = readonly [number, number, number];

/**
 * Left-pads a per-dimension list of a 1-, 2- or 3-D window to three entries
 * with `fill`, so one 3-D loop nest serves every rank: lower ranks get
 * leading unit dimensions (size 1, kernel 1, stride 1, padding 0).
 */
export function toRank3(values: readonly number[], fill: number): [number, number, number] {
  const out: [number, number, number] = [fill, fill, fill];
  for (let i = 0; i < values.length; i++) out[3 - values.length + i] = values[i]!;
  return out;
}

/**
 * A sliding window (pooling, unfold/fold) over 1, 2 or 3 spatial dimensions,
 * widened to exactly 3 by `toRank3`. Arrays are [depth, height, width].
 */
export interface Window3 {
  readonly kernel: Dims3;
  readonly stride: Dims3;
  readonly dilation: Dims3;
  /** Zero padding before each dimension. */
  readonly padBefore: Dims3;
  /** Zero padding after each dimension (it shows up in `outSize` and in avg-pool divisors). */
  readonly padAfter: Dims3;
  readonly inSize: Dims3;
  readonly outSize: Dims3;
}

/** The 3-D form of a window geometry over an input whose spatial size is `inSpatial`. */
export function window3(geometry: WindowGeometry, inSpatial: Shape): Window3 {
  return {
    kernel: toRank3(geometry.kernel, 1),
    stride: toRank3(geometry.stride, 1),
    dilation: toRank3(geometry.dilation, 1),
    padBefore: toRank3(
      geometry.padding.map((p) => p[0]),
      0,
    ),
    padAfter: toRank3(
      geometry.padding.map((p) => p[1]),
      0,
    ),
    inSize: toRank3(inSpatial, 1),
    outSize: toRank3(geometry.outShape, 1),
  };
}
