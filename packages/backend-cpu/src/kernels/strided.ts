import type { Shape } from '@gradstream/core';
import { stridesOf } from '../storage.js';

/**
 * A walk over an N-d block as a sequence of rows: the last dimension is the
 * row, the others are visited in row-major order. Each operand has its own
 * strides (0 where it is broadcast), so one cursor serves broadcasting,
 * transposes and block copies alike.
 */
export interface StridedPlan {
  /** Sizes of the dimensions above the row, outermost first. */
  readonly outer: readonly number[];
  /** Per operand, its stride along each outer dimension. */
  readonly outerStrides: readonly (readonly number[])[];
  readonly rowLength: number;
  /** Per operand, its stride along the row. */
  readonly rowStrides: readonly number[];
  /** Number of rows (product of `outer`). */
  readonly rows: number;
}

/**
 * Builds a plan over `dims` for operands with the given strides. Dimensions of
 * size 1 are dropped and neighbours that every operand walks as one run are
 * merged, so that rows are as long as possible.
 */
export function planStrided(dims: readonly number[], strides: readonly (readonly number[])[]): StridedPlan {
  const keptDims: number[] = [];
  const kept: number[][] = strides.map(() => []);
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
    const last = keptDims.length - 1;
    const mergeable = last >= 0 && strides.every((s, j) => kept[j]![last] === s[i]! * dims[i]!);
    if (mergeable) {
      keptDims[last]! *= dims[i]!;
      strides.forEach((s, j) => {
        kept[j]![last] = s[i]!;
      });
    } else {
      keptDims.push(dims[i]!);
      strides.forEach((s, j) => {
        kept[j]!.push(s[i]!);
      });
    }
  }
  if (keptDims.length === 0) {
    keptDims.push(dims.some((d) => d === 0) ? 0 : 1);
    kept.forEach((s) => {
      s.push(0);
    });
  }
  const outer = keptDims.slice(0, -1);
  let rows = 1;
  for (const d of outer) rows *= d;
  if (keptDims[keptDims.length - 1] === 0) rows = 0;
  return {
    outer,
    outerStrides: kept.map((s) => s.slice(0, -1)),
    rowLength: keptDims[keptDims.length - 1]!,
    rowStrides: kept.map((s) => s[s.length - 1]!),
    rows,
  };
}

/** Strides of `shape` read as if broadcast to `outShape` (right-aligned; 0 where broadcast). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_d, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : own[j]!;
  });
}

/** Walks the rows of a plan, keeping each operand's offset at the start of the current row. */
export class RowCursor {
  /** Per operand, the offset of the current row's first element. */
  readonly offsets: number[];
  private readonly counter: number[];

  constructor(
    private readonly plan: StridedPlan,
    start: readonly number[],
  ) {
    this.offsets = [...start];
    this.counter = plan.outer.map(() => 0);
  }

  /** Moves to the next row (an odometer over the outer dimensions). */
  next(): void {
    const { outer, outerStrides } = this.plan;
    for (let d = outer.length - 1; d >= 0; d--) {
      const count = ++this.counter[d]!;
      if (count < outer[d]!) {
        for (let j = 0; j < this.offsets.length; j++) this.offsets[j]! += outerStrides[j]![d]!;
        return;
      }
      this.counter[d] = 0;
      for (let j = 0; j < this.offsets.length; j++) this.offsets[j]! -= outerStrides[j]![d]! * (count - 1);
    }
  }
}
