import { sizeOf } from '@gradstream/core';

/** A loop nest over a shape with one stride list per operand (in elements), after collapsing. */
export interface StridedPlan {
  readonly shape: readonly number[];
  readonly strides: readonly (readonly number[])[];
}

/** Row-major strides of a contiguous tensor. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** NumPy broadcast of shapes (core has validated them). */
export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) for (let i = 0; i < s.length; i++) if (s[i] !== 1) out[rank - s.length + i] = s[i]!;
  return out;
}

/** Strides that read a contiguous `shape` as if broadcast to `outShape` (0 along broadcast dims). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = contiguousStrides(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_d, i) => (i < offset || shape[i - offset] === 1 ? 0 : own[i - offset]!));
}

/**
 * Drops unit dimensions and merges neighbours that every operand walks as one
 * (stride[i] = stride[i+1]·shape[i+1]), so a same-shape op becomes one row and
 * a bias add becomes a few long rows. Always returns rank ≥ 1.
 */
export function planStrided(shape: readonly number[], strides: readonly (readonly number[])[]): StridedPlan {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, k) => out[k]![last] === s[i]! * shape[i]!)) {
      dims[last] *= shape[i]!;
      strides.forEach((s, k) => {
        out[k]![last] = s[i]!;
      });
    } else {
      dims.push(shape[i]!);
      strides.forEach((s, k) => {
        out[k]!.push(s[i]!);
      });
    }
  }
  if (dims.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: dims, strides: out };
}

/**
 * Calls `row(offsets, index)` for each innermost row of the plan, in order,
 * with every operand's element offset at the row start.
 */
export function forEachRow(plan: StridedPlan, row: (offsets: readonly number[], index: number) => void): void {
  const rank = plan.shape.length;
  const rows = sizeOf(plan.shape) / plan.shape[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  const offsets = plan.strides.map(() => 0);
  for (let r = 0; r < rows; r++) {
    row(offsets, r);
    for (let k = rank - 2; k >= 0; k--) {
      plan.strides.forEach((s, j) => {
        offsets[j]! += s[k]!;
      });
      if (++counter[k]! < plan.shape[k]!) break;
      plan.strides.forEach((s, j) => {
        offsets[j]! -= s[k]! * plan.shape[k]!;
      });
      counter[k] = 0;
    }
  }
}

/** Splits [0, total) into at most `parts` contiguous ranges whose boundaries are multiples of `align`. */
export function splitRange(total: number, parts: number, align = 1): [number, number][] {
  const ranges: [number, number][] = [];
  const units = Math.ceil(total / align);
  const n = Math.max(1, Math.min(parts, units));
  for (let i = 0; i < n; i++) {
    const start = Math.min(total, Math.round((units * i) / n) * align);
    const end = Math.min(total, Math.round((units * (i + 1)) / n) * align);
    if (end > start) ranges.push([start, end]);
  }
  if (ranges.length === 0) ranges.push([0, total]);
  return ranges;
}
