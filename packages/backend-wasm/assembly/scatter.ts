// scatterAdd of float32 rows, the adjoint of gather. Max-pool backward
// reaches it with flat indices and rows of one element, so the whole loop
// nest runs here rather than one call per row from the glue.

import { addInto, at4, zero4 } from './mem';

/**
 * y[o, d, :] = 0, then y[o, idx[j], :] += dy[o, j, :] for every j < count
 * with idx[j] in [d0, d1), for o in [o0, o1) of outer × axisSize × inner.
 * Threads take disjoint (o, d) ranges: every one scans all indices, so each
 * element of y receives its adds in index order whatever the split.
 * Indices may repeat; each repeat adds.
 */
export function scatterAdd32(
  dy: usize, idx: usize, y: usize, outer: i32, count: i32, axisSize: i32, inner: i32,
  o0: i32, o1: i32, d0: i32, d1: i32,
): void {
  for (let o = o0; o < o1; o++) {
    const src = at4(dy, o * count * inner);
    const dst = at4(y, o * axisSize * inner);
    zero4(at4(dst, d0 * inner), (d1 - d0) * inner);
    if (inner == 1) {
      for (let j = 0; j < count; j++) {
        const i = load<i32>(at4(idx, j));
        if (i < d0 || i >= d1) continue;
        const p = at4(dst, i);
        store<f32>(p, load<f32>(p) + load<f32>(at4(src, j)));
      }
    } else {
      for (let j = 0; j < count; j++) {
        const i = load<i32>(at4(idx, j));
        if (i >= d0 && i < d1) addInto(at4(dst, i * inner), at4(src, j * inner), inner);
      }
    }
  }
}

/**
 * Max pooling's gradient over planes [p0, p1): each dx plane (planeIn
 * elements) is zeroed, then dx[idx[j]] += dy[j] for the planeOut dy elements
 * of that plane, whose flat indices fall inside it. Planes share no element
 * of dx, so threads split them, and every element gets its adds in the order
 * scatterAdd32 gives them.
 */
export function maxPoolBackward32(dy: usize, idx: usize, dx: usize, planeIn: i32, planeOut: i32, p0: i32, p1: i32): void {
  // Plane by plane, so the adds land in a plane just zeroed and still in cache.
  for (let plane = p0; plane < p1; plane++) {
    zero4(at4(dx, plane * planeIn), planeIn);
    for (let j = plane * planeOut, end = j + planeOut; j < end; j++) {
      const p = at4(dx, load<i32>(at4(idx, j)));
      store<f32>(p, load<f32>(p) + load<f32>(at4(dy, j)));
    }
  }
}
