import type { Shape } from '../backend/types.js';
import { ArgumentError, ShapeError, fmtShape } from '../util/errors.js';

// The size, stride and broadcast helpers live in the backend layer, which backends import too.
export { sizeOf, stridesOf, broadcastShapes } from '../backend/layout.js';

/** Whether two shapes are the same. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Resolves a possibly negative axis against a rank, throwing if it is out of range. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new ShapeError(op, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Resolves an axis argument (undefined = all axes) into sorted unique non-negative axes. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(op, a, rank)))].sort((x, y) => x - y);
  if (out.length !== list.length) throw new ShapeError(op, `axes ${JSON.stringify(list)} repeat an axis`);
  return out;
}

/** Checks that every entry is a non-negative integer. */
export function assertShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new ArgumentError(op, `invalid shape ${fmtShape(shape)}: dimensions must be non-negative integers`);
  }
}
