import { conv2d, reshape, tensor, tidy } from '@gradstream/core';

/** The vertical- and horizontal-edge kernels of the classic texts. */
export const VERTICAL_EDGE = [
  [1, 0, -1],
  [1, 0, -1],
  [1, 0, -1],
];
export const HORIZONTAL_EDGE = [
  [1, 1, 1],
  [0, 0, 0],
  [-1, -1, -1],
];

/** A size×size image: a bright square on a dark background. */
export function squareImage(size = 12): number[][] {
  const lo = Math.floor(size / 4);
  const hi = size - lo;
  return Array.from({ length: size }, (_, i) =>
    Array.from({ length: size }, (_, j) => (i >= lo && i < hi && j >= lo && j < hi ? 10 : 0)),
  );
}

/** Cross-correlates a 2-D image with a 3×3 kernel (no padding) and returns the map as rows. */
export function edgeMap(image: readonly (readonly number[])[], kernel: readonly (readonly number[])[]): number[][] {
  return tidy(() => {
    const x = tensor(
      image.map((r) => [...r]),
      undefined,
      'float32',
    );
    const w = tensor(
      kernel.map((r) => [...r]),
      undefined,
      'float32',
    );
    const y = conv2d(reshape(x, [1, 1, ...x.shape]), reshape(w, [1, 1, ...w.shape]));
    return y.toArray() as number[][][][];
  })[0]![0]!;
}

/** Renders a map as right-aligned columns. */
export function formatMap(rows: readonly (readonly number[])[]): string {
  const width = Math.max(...rows.flat().map((v) => String(v).length));
  return rows.map((r) => r.map((v) => String(v).padStart(width)).join(' ')).join('\n');
}
