import { type FloatArray, allocateLike } from '../storage.js';

/*
 * C += A·B in the GotoBLAS layout: K and N are cut into blocks whose packed
 * panels stay in cache, and a 4×4 register tile (16 accumulators held in
 * locals) does the arithmetic. Operands are described by offset and strides,
 * so transposed operands, groups and batch slices need no copies beyond the
 * packing itself.
 */

const MR = 4;
const NR = 4;
/** Depth of a block: a 4-wide panel of A or B is KC·4 elements and sits in L1. */
const KC = 256;
/** Rows of A packed at once (MC·KC elements, L2-sized). */
const MC = 96;
/** Columns of B packed at once. */
const NC = 2048;

/** A strided view of a matrix: element (i, j) is at values[offset + i·rowStride + j·colStride]. */
export interface MatrixView {
  readonly values: FloatArray;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

/** Packing buffers, one pair per array type, reused across calls (JavaScript never re-enters gemm). */
const packBuffers = new Map<string, { a: FloatArray; b: FloatArray }>();

function packBuffersLike(values: FloatArray): { a: FloatArray; b: FloatArray } {
  const key = values.constructor.name;
  let buffers = packBuffers.get(key);
  if (!buffers) {
    buffers = { a: allocateLike(values, MC * KC), b: allocateLike(values, NC * KC) };
    packBuffers.set(key, buffers);
  }
  return buffers;
}

/** Packs an mc×kc block of A as MR-row panels, each stored k-major (MR values per k), zero-padded. */
function packA(a: FloatArray, off: number, rs: number, cs: number, mc: number, kc: number, ap: FloatArray): void {
  let d = 0;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = Math.min(MR, mc - i0);
    let src = off + i0 * rs;
    if (rows === MR) {
      for (let p = 0; p < kc; p++, src += cs, d += MR) {
        ap[d] = a[src]!;
        ap[d + 1] = a[src + rs]!;
        ap[d + 2] = a[src + 2 * rs]!;
        ap[d + 3] = a[src + 3 * rs]!;
      }
    } else {
      for (let p = 0; p < kc; p++, src += cs, d += MR) {
        for (let ii = 0; ii < MR; ii++) ap[d + ii] = ii < rows ? a[src + ii * rs]! : 0;
      }
    }
  }
}

/** Packs a kc×nc block of B as NR-column panels, each stored k-major (NR values per k), zero-padded. */
function packB(b: FloatArray, off: number, rs: number, cs: number, kc: number, nc: number, bp: FloatArray): void {
  let d = 0;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = Math.min(NR, nc - j0);
    let src = off + j0 * cs;
    if (cols === NR) {
      for (let p = 0; p < kc; p++, src += rs, d += NR) {
        bp[d] = b[src]!;
        bp[d + 1] = b[src + cs]!;
        bp[d + 2] = b[src + 2 * cs]!;
        bp[d + 3] = b[src + 3 * cs]!;
      }
    } else {
      for (let p = 0; p < kc; p++, src += rs, d += NR) {
        for (let jj = 0; jj < NR; jj++) bp[d + jj] = jj < cols ? b[src + jj * cs]! : 0;
      }
    }
  }
}

const edgeTile = new Float64Array(MR * NR);

/** Multiplies packed panels (mc×kc by kc×nc) into C with the 4×4 register tile. */
function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  ap: FloatArray,
  bp: FloatArray,
  c: FloatArray,
  cOff: number,
  cRs: number,
): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const bBase = j0 * kc;
    const cols = Math.min(NR, nc - j0);
    for (let i0 = 0; i0 < mc; i0 += MR) {
      let ai = i0 * kc;
      let bi = bBase;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let p = 0; p < kc; p++, ai += MR, bi += NR) {
        const a0 = ap[ai]!,
          a1 = ap[ai + 1]!,
          a2 = ap[ai + 2]!,
          a3 = ap[ai + 3]!;
        const b0 = bp[bi]!,
          b1 = bp[bi + 1]!,
          b2 = bp[bi + 2]!,
          b3 = bp[bi + 3]!;
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }
      const rows = Math.min(MR, mc - i0);
      let o = cOff + i0 * cRs + j0;
      // The tile's rows × cols lie inside C's mc × nc block, so every c[...] below exists.
      if (rows === MR && cols === NR) {
        c[o]! += c00;
        c[o + 1]! += c01;
        c[o + 2]! += c02;
        c[o + 3]! += c03;
        o += cRs;
        c[o]! += c10;
        c[o + 1]! += c11;
        c[o + 2]! += c12;
        c[o + 3]! += c13;
        o += cRs;
        c[o]! += c20;
        c[o + 1]! += c21;
        c[o + 2]! += c22;
        c[o + 3]! += c23;
        o += cRs;
        c[o]! += c30;
        c[o + 1]! += c31;
        c[o + 2]! += c32;
        c[o + 3]! += c33;
      } else {
        const t = edgeTile;
        t[0] = c00;
        t[1] = c01;
        t[2] = c02;
        t[3] = c03;
        t[4] = c10;
        t[5] = c11;
        t[6] = c12;
        t[7] = c13;
        t[8] = c20;
        t[9] = c21;
        t[10] = c22;
        t[11] = c23;
        t[12] = c30;
        t[13] = c31;
        t[14] = c32;
        t[15] = c33;
        for (let ii = 0; ii < rows; ii++, o += cRs) {
          for (let jj = 0; jj < cols; jj++) c[o + jj]! += t[ii * NR + jj]!;
        }
      }
    }
  }
}

/**
 * C[m×n] += A[m×k] · B[k×n] where C is row-major with row stride `cRs`
 * starting at `cOff`. All three arrays share one type (float32 or float64);
 * products accumulate in doubles within each KC block.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: MatrixView,
  b: MatrixView,
  c: FloatArray,
  cOff: number,
  cRs: number,
): void {
  if (m === 0 || n === 0 || k === 0) return;
  const { a: ap, b: bp } = packBuffersLike(c);
  for (let pc = 0; pc < k; pc += KC) {
    const kc = Math.min(KC, k - pc);
    for (let jc = 0; jc < n; jc += NC) {
      const nc = Math.min(NC, n - jc);
      packB(b.values, b.offset + pc * b.rowStride + jc * b.colStride, b.rowStride, b.colStride, kc, nc, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(a.values, a.offset + ic * a.rowStride + pc * a.colStride, a.rowStride, a.colStride, mc, kc, ap);
        macroKernel(mc, nc, kc, ap, bp, c, cOff + ic * cRs + jc, cRs);
      }
    }
  }
}
