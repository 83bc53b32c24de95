// Strided copy of 4-byte elements (float32 or int32): the data movement
// behind transpose, slice and pad. Rows with unit strides on both sides go
// through memory.copy.

import { at4 } from './mem';
import { innerStride, offA, offB, rowCount, rowLength, seekRow } from './strided';

/** y[offB + j·sb] = x[offA + j·sa] over every row of the loop nest in d (A = source, B = destination). */
export function copy32(x: usize, y: usize, d: usize): void {
  const rows = rowCount(d), n = rowLength(d);
  const sa = innerStride(d, 0), sb = innerStride(d, 1);
  for (let r = 0; r < rows; r++) {
    seekRow(d, r);
    const src = at4(x, offA), dst = at4(y, offB);
    if (sa == 1 && sb == 1) {
      memory.copy(dst, src, <usize>n << 2);
    } else {
      for (let j = 0; j < n; j++) store<u32>(at4(dst, j * sb), load<u32>(at4(src, j * sa)));
    }
  }
}
