/** Address of float/int32 element `i` of the array at `p`. */
@inline export function at4(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Word `i` of an i32 descriptor. */
@inline export function word(d: usize, i: i32): i32 {
  return load<i32>(d + (<usize>i << 2));
}

/** dst[i] += src[i] for n floats: the exported kernel; addFloats is the same loop inlined where rows are short. */
export function addInto(dst: usize, src: usize, n: i32): void {
  addFloats(dst, src, n);
}

/** Sets n floats to zero. */
@inline export function zero4(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 2);
}

/**
 * Floats below which copyFloats and zeroFloats loop in wasm: V8 runs
 * memory.copy and memory.fill as calls out of the module, which cost more
 * than moving a short row (im2col moves rows of one output row's width).
 */
const BULK_FLOATS = 64;

/** Copies n floats from src to dst (the ranges must not overlap). */
@inline export function copyFloats(dst: usize, src: usize, n: i32): void {
  if (n >= BULK_FLOATS) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at4(dst, i), v128.load(at4(src, i)));
  for (; i < n; i++) store<f32>(at4(dst, i), load<f32>(at4(src, i)));
}

/** Sets n floats to zero. */
@inline export function zeroFloats(p: usize, n: i32): void {
  if (n >= BULK_FLOATS) {
    memory.fill(p, 0, <usize>n << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at4(p, i), i32x4.splat(0));
  for (; i < n; i++) store<f32>(at4(p, i), 0);
}

/** dst[i] += src[i] for n floats, inlined for the short rows of col2im. */
@inline export function addFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = at4(dst, i);
    v128.store(p, f32x4.add(v128.load(p), v128.load(at4(src, i))));
  }
  for (; i < n; i++) {
    const p = at4(dst, i);
    store<f32>(p, load<f32>(p) + load<f32>(at4(src, i)));
  }
}
