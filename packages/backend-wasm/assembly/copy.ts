// Strided copy of 4-byte elements (float32 or int32): the data movement
// behind transpose, slice and pad. Rows with unit strides on both sides go
// through copyFloats. Also the bool → float32 cast.

import { at4, copyFloats } from './mem';
import { innerStride, offA, offB, rowCount, rowLength, seekRow } from './strided';

/** y[offB + j·sb] = x[offA + j·sa] over every row of the loop nest in d (A = source, B = destination). */
export function copy32(x: usize, y: usize, d: usize): void {
  const rows = rowCount(d), n = rowLength(d);
  const sa = innerStride(d, 0), sb = innerStride(d, 1);
  for (let r = 0; r < rows; r++) {
    seekRow(d, r);
    const src = at4(x, offA), dst = at4(y, offB);
    if (sa == 1 && sb == 1) {
      copyFloats(dst, src, n);
    } else {
      for (let j = 0; j < n; j++) store<u32>(at4(dst, j * sb), load<u32>(at4(src, j * sa)));
    }
  }
}

/**
 * y[i] = x[i] for n bytes x (bool or uint8) into float32 y: ReLU's gradient
 * mask, widened 16 at a time (a TypedArray.set from JavaScript took about 2 ns per element).
 */
export function u8ToF32(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const b = v128.load(x + <usize>i);
    const lo = i16x8.extend_low_i8x16_u(b), hi = i16x8.extend_high_i8x16_u(b);
    const out = at4(y, i);
    v128.store(out, f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)));
    v128.store(out, f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), 16);
    v128.store(out, f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), 32);
    v128.store(out, f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), 48);
  }
  for (; i < n; i++) store<f32>(at4(y, i), <f32>load<u8>(x + <usize>i));
}
