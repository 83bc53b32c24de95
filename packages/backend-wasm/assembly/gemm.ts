// Packed, register-blocked SGEMM in the style of BLIS: B is packed into
// KC×NC panels of NR-wide column strips, A into MC×KC blocks of MR-tall row
// strips, and a micro-kernel keeps an MR×NR tile of C in registers.
// Operands are addressed through (row, column) strides, so transposed and
// broadcast operands need no copies beyond the packing itself.

import { at4 } from './mem';
import { madd } from './simd';

const MR = 4;
const NR = 8;
const MC = 64;
const KC = 256;
const NC = 2048;

/**
 * Packing B costs a read and a write of all of B, about 1/M of the
 * multiply-adds, and packing A about 1/N: for the short, wide products of
 * convolution (M = output channels, N = pixels) and the tall, narrow ones of
 * deep layers, that copy is a quarter of the time. Below these sizes the
 * micro-kernel reads the row-major operand in place instead; a strip then
 * spans kc cache lines, which L1 still holds across the strip's reuse. B is
 * read in place only while a k-block of its rows spans at most
 * DIRECT_B_SPAN_FLOATS: farther apart, every row is a TLB miss (a 576×3136
 * B measured slower in place than packed).
 */
const DIRECT_B_BELOW_M = 256;
const DIRECT_A_BELOW_N = 256;
const DIRECT_B_SPAN_FLOATS = 128 * 1024;

const PACK_A_BYTES: usize = <usize>(MC * KC) << 2;
const PACK_B_BYTES: usize = <usize>(KC * NC) << 2;
const TILE_BYTES: usize = <usize>(MR * NR) << 2;

/** Bytes of per-thread scratch one gemm call needs. */
export function gemmScratchBytes(): i32 {
  return <i32>(PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES);
}

/** Packs rows [0, mc) × cols [0, kc) of A into MR-row strips, k-major, zero-padding the last strip. */
function packA(mc: i32, kc: i32, a: usize, ars: i32, acs: i32, dst: usize): void {
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    if (rows == MR && ars == 1) {
      // Column-contiguous A (a transposed operand): each k gives one vector.
      for (let k = 0; k < kc; k++) {
        v128.store(dst + (<usize>k << 4), v128.load(at4(a, i + k * acs)));
      }
    } else if (rows == MR && acs == 1) {
      // Row-major A: transpose 4×4 blocks in registers.
      const r0 = at4(a, i * ars);
      const rs = <usize>ars << 2;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const src = r0 + (<usize>k << 2);
        storeTransposed4(v128.load(src), v128.load(src + rs), v128.load(src + 2 * rs), v128.load(src + 3 * rs), dst + (<usize>k << 4), 16);
      }
      for (; k < kc; k++) {
        for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>k << 4) + (<usize>r << 2), load<f32>(at4(r0, r * ars + k)));
      }
    } else {
      for (let r = 0; r < MR; r++) {
        const out = dst + (<usize>r << 2);
        if (r < rows) {
          const src = at4(a, (i + r) * ars);
          for (let k = 0; k < kc; k++) store<f32>(out + (<usize>k << 4), load<f32>(at4(src, k * acs)));
        } else {
          for (let k = 0; k < kc; k++) store<f32>(out + (<usize>k << 4), 0);
        }
      }
    }
    dst += <usize>kc << 4;
  }
}

/** Transposes the 4×4 block held as rows r0..r3 and stores its rows at out, out + step, … */
@inline function storeTransposed4(r0: v128, r1: v128, r2: v128, r3: v128, out: usize, step: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(out, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(out + step, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(out + 2 * step, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(out + 3 * step, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/** Packs rows [0, kc) × cols [0, nc) of B into NR-column strips, k-major, zero-padding the last strip. */
function packB(kc: i32, nc: i32, b: usize, brs: i32, bcs: i32, dst: usize): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    if (cols == NR && bcs == 1) {
      for (let k = 0; k < kc; k++) {
        const src = at4(b, k * brs + j);
        const out = dst + (<usize>k << 5);
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
      }
    } else if (cols == NR && brs == 1) {
      // Transposed B (column j contiguous along k): 4×4 register transposes, two per 4 k-steps.
      const c0 = at4(b, j * bcs);
      const cs = <usize>bcs << 2;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const src = c0 + (<usize>k << 2);
        const out = dst + (<usize>k << 5);
        storeTransposed4(v128.load(src), v128.load(src + cs), v128.load(src + 2 * cs), v128.load(src + 3 * cs), out, 32);
        const src4 = src + 4 * cs;
        storeTransposed4(v128.load(src4), v128.load(src4 + cs), v128.load(src4 + 2 * cs), v128.load(src4 + 3 * cs), out + 16, 32);
      }
      for (; k < kc; k++) {
        for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>k << 5) + (<usize>c << 2), load<f32>(at4(c0, c * bcs + k)));
      }
    } else {
      for (let c = 0; c < NR; c++) {
        const out = dst + (<usize>c << 2);
        if (c < cols) {
          const src = at4(b, (j + c) * bcs);
          for (let k = 0; k < kc; k++) store<f32>(out + (<usize>k << 5), load<f32>(at4(src, k * brs)));
        } else {
          for (let k = 0; k < kc; k++) store<f32>(out + (<usize>k << 5), 0);
        }
      }
    }
    dst += <usize>kc << 5;
  }
}

/** Stores (or adds) the MR×NR tile held in registers c00…c31 at C, row stride ldc floats. */
@inline function storeTile(c: usize, ldc: i32, accumulate: bool, c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  const row = <usize>ldc << 2;
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + row));
    c11 = f32x4.add(c11, v128.load(c + row, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * row));
    c21 = f32x4.add(c21, v128.load(c + 2 * row, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * row));
    c31 = f32x4.add(c31, v128.load(c + 3 * row, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + row, c10);
  v128.store(c + row, c11, 16);
  v128.store(c + 2 * row, c20);
  v128.store(c + 2 * row, c21, 16);
  v128.store(c + 3 * row, c30);
  v128.store(c + 3 * row, c31, 16);
}

/** C[MR×NR] (+)= Apanel · Bpanel over kc steps; C has row stride ldc floats. */
function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  storeTile(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * micro() over operands in any layout: rows r of the A panel start at a0…a3
 * and advance aStep bytes per k; the B panel's 8 columns are contiguous and
 * advance bStep bytes per k.
 */
function microStrided(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, aStep: usize, bp: usize, bStep: usize, c: usize, ldc: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(a0);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(a1);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(a2);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(a3);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    a0 += aStep;
    a1 += aStep;
    a2 += aStep;
    a3 += aStep;
    bp += bStep;
  }
  storeTile(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31);
}

/** Writes (or adds) the top-left mr×nr corner of an MR×NR tile into C. */
function storeEdge(tile: usize, mr: i32, nr: i32, c: usize, ldc: i32, accumulate: bool): void {
  for (let i = 0; i < mr; i++) {
    const src = at4(tile, i * NR);
    const dst = at4(c, i * ldc);
    for (let j = 0; j < nr; j++) {
      const v = load<f32>(at4(src, j));
      store<f32>(at4(dst, j), accumulate ? load<f32>(at4(dst, j)) + v : v);
    }
  }
}

/**
 * C (+)= A·B for an M×K A (element (i,k) at a[i·ars + k·acs]) and a K×N B
 * (element (k,j) at b[k·brs + j·bcs]); C is row-major with row stride ldc.
 * Without `accumulate`, C is overwritten. `scratch` holds gemmScratchBytes().
 */
export function gemm(
  M: i32, N: i32, K: i32,
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32, accumulate: bool, scratch: usize,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) for (let i = 0; i < M; i++) memory.fill(at4(c, i * ldc), 0, <usize>N << 2);
    return;
  }
  const pa = scratch;
  const pb = scratch + PACK_A_BYTES;
  const tile = pb + PACK_B_BYTES;
  // Equal k-blocks (K = 288 → 144 + 144, not 256 + 32) so no block is too short to amortize its C update.
  const kBlock = (K + (K + KC - 1) / KC - 1) / ((K + KC - 1) / KC);
  const directB = bcs == 1 && M < DIRECT_B_BELOW_M && <i64>brs * kBlock <= DIRECT_B_SPAN_FLOATS;
  const directA = !directB && acs == 1 && N < DIRECT_A_BELOW_N;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kBlock) {
      const kc = min(kBlock, K - pc);
      const acc = accumulate || pc > 0;
      if (!directB) packB(kc, nc, at4(b, pc * brs + jc * bcs), brs, bcs, pb);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        if (!directA) packA(mc, kc, at4(a, ic * ars + pc * acs), ars, acs, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cp = at4(c, (ic + ir) * ldc + jc + jr);
            const full = mr == MR && nr == NR;
            const out = full ? cp : tile;
            const outLd = full ? ldc : NR;
            const outAcc = full ? acc : false;
            if (directA || directB) {
              let a0: usize, a1: usize, a2: usize, a3: usize, aStep: usize;
              if (directA) {
                // Rows past M repeat the last one: their lanes are discarded by storeEdge.
                const base = at4(a, (ic + ir) * ars + pc);
                const rs = <usize>ars << 2;
                a0 = base;
                a1 = base + rs * <usize>min(1, mr - 1);
                a2 = base + rs * <usize>min(2, mr - 1);
                a3 = base + rs * <usize>min(3, mr - 1);
                aStep = 4;
              } else {
                a0 = pa + (<usize>(ir * kc) << 2);
                a1 = a0 + 4;
                a2 = a0 + 8;
                a3 = a0 + 12;
                aStep = 16;
              }
              const bp = directB ? at4(b, pc * brs + jc + jr) : pb + (<usize>(jr * kc) << 2);
              const bStep: usize = directB ? <usize>brs << 2 : 32;
              microStrided(kc, a0, a1, a2, a3, aStep, bp, bStep, out, outLd, outAcc);
            } else {
              micro(kc, pa + (<usize>(ir * kc) << 2), pb + (<usize>(jr * kc) << 2), out, outLd, outAcc);
            }
            if (!full) storeEdge(tile, mr, nr, cp, ldc, acc);
          }
        }
      }
    }
  }
}

/**
 * Batched matmul over batches [b0, b1) and the output block rows [m0, m1) ×
 * cols [n0, n1). Strides are in elements; a zero batch stride broadcasts.
 */
export function matmul(
  a: usize, aBatch: i32, ars: i32, acs: i32,
  b: usize, bBatch: i32, brs: i32, bcs: i32,
  c: usize, M: i32, N: i32, K: i32,
  b0: i32, b1: i32, m0: i32, m1: i32, n0: i32, n1: i32, scratch: usize,
): void {
  for (let t = b0; t < b1; t++) {
    gemm(
      m1 - m0, n1 - n0, K,
      at4(a, t * aBatch + m0 * ars), ars, acs,
      at4(b, t * bBatch + n0 * bcs), brs, bcs,
      at4(c, t * M * N + m0 * N + n0), N, false, scratch,
    );
  }
}
