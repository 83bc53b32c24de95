// scatterAdd of float32 rows, the adjoint of gather. Max-pool backward
// reaches it with flat indices and rows of one element, so the whole loop
// nest runs here rather than one call per row from the glue.

import { addInto, at4, zero4 } from './mem';

/**
 * y (outer × axisSize × inner) = 0, then y[o, idx[j], :] += dy[o, j, :] for
 * every o < outer and j < count. Indices may repeat; each repeat adds.
 */
export function scatterAdd32(dy: usize, idx: usize, y: usize, outer: i32, count: i32, axisSize: i32, inner: i32): void {
  zero4(y, outer * axisSize * inner);
  for (let o = 0; o < outer; o++) {
    const src = at4(dy, o * count * inner);
    const dst = at4(y, o * axisSize * inner);
    if (inner == 1) {
      for (let j = 0; j < count; j++) {
        const p = at4(dst, load<i32>(at4(idx, j)));
        store<f32>(p, load<f32>(p) + load<f32>(at4(src, j)));
      }
    } else {
      for (let j = 0; j < count; j++) addInto(at4(dst, load<i32>(at4(idx, j)) * inner), at4(src, j * inner), inner);
    }
  }
}
