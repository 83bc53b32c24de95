// 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3)
// (Lavin and Gray, 2015): each 2×2 block of outputs ("tile") comes from a
// 4×4 block of input, and in the transformed domain the 9 taps × 4 outputs
// of multiply-adds per channel pair become 16 elementwise products, which
// over all channels are 16 GEMMs (transformed weights × transformed tiles).
// That is 2.25× fewer multiply-adds than im2col; the transforms are adds.
//
// The filter gradient is the adjoint of the same computation: the output
// gradient's tiles transformed by A·dy·Aᵀ, times the input tiles' transforms
// (16 GEMMs reducing over tiles), then Gᵀ·(·)·G back to 3×3.
//
// Tiles sit on the even output rows and columns of the whole output, so a
// tile, and every output in it, is computed the same way whichever range of
// rows, images or channels a thread was given: results do not depend on the
// thread count. Whether a layer runs this way is a function of its shapes.

import { at4 } from './mem';
import { gemm } from './gemm';
import { windowAt } from './window';

/** Floats of transformed tiles and products per chunk of tiles: V and M together stay near L2. */
const CHUNK_FLOATS = 512 * 1024;
/** Fewest channels either side: below that the 16 GEMMs are too thin to pay for the transforms. */
const MIN_CHANNELS = 16;
/**
 * Fewest tiles over the batch: every call transforms the whole filter
 * (16·O·C floats), worth it only against enough tiles.
 */
const MIN_TILES = 16;

/**
 * Floats added to each of the 16 planes of U, V and M: the planes are
 * written and read as 16 streams at once, and at a power-of-two distance
 * (64 channels × 256 tiles × 4 bytes) all 16 fall in one L1 set.
 */
const PLANE_PAD = 16;

/** Floats between planes ξ and ξ + 1 of a buffer of `floats` per plane. */
@inline function planeStride(floats: i32): i32 {
  return floats + PLANE_PAD;
}

/** Words per tile in a chunk's table: image, tile row, tile column. */
const TILE_WORDS = 3;

/** Does the layer at descriptor d run through winogradForward? */
export function winogradApplies(d: usize): bool {
  const g = windowAt(d);
  if (g.KD != 1 || g.D != 1 || g.PD != 0 || g.PDAfter != 0) return false;
  if (g.KH != 3 || g.KW != 3 || g.SH != 1 || g.SW != 1 || g.DH != 1 || g.DW != 1 || g.groups != 1) return false;
  if (g.C < MIN_CHANNELS || g.O < MIN_CHANNELS) return false;
  return g.N * ((g.OH + 1) >> 1) * ((g.OW + 1) >> 1) >= MIN_TILES;
}

/** Tiles per chunk: as many as CHUNK_FLOATS holds of V (16·C per tile) and M (16·O per tile). */
@inline function chunkTiles(C: i32, O: i32): i32 {
  return max(4, CHUNK_FLOATS / (16 * (C + O)));
}

/** Scratch floats: the transformed filter U (16·O·C), then V, M and the tile table for one chunk. */
export function winogradScratchFloats(d: usize): i32 {
  const g = windowAt(d);
  const tiles = chunkTiles(g.C, g.O);
  return 16 * (g.O * g.C + (g.C + g.O) * tiles + 3 * PLANE_PAD) + TILE_WORDS * tiles;
}

/** Row i of T·Gᵀ (with Gᵀ's columns [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1]) for a row t0, t1, t2 of T, stored at ξ = 4i … 4i + 3. */
@inline function filterRow(dst: usize, sp: usize, i: i32, t0: f32, t1: f32, t2: f32): void {
  const half: f32 = 0.5;
  const row = dst + <usize>(4 * i) * sp;
  store<f32>(row, t0);
  store<f32>(row + sp, (t0 + t1 + t2) * half);
  store<f32>(row + 2 * sp, (t0 - t1 + t2) * half);
  store<f32>(row + 3 * sp, t2);
}

/**
 * U[ξ][o − o0][c] = (G·w[o][c]·Gᵀ)[ξ] for output channels [o0, o1), with
 * G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]: the rows of T = G·w in registers, then
 * each row times Gᵀ. U's 16 planes are each written in order.
 */
function transformFilter(w: usize, C: i32, o0: i32, o1: i32, U: usize): void {
  const sp = <usize>planeStride((o1 - o0) * C) << 2;
  const half: f32 = 0.5;
  for (let o = o0; o < o1; o++) {
    for (let c = 0; c < C; c++) {
      const p = at4(w, (o * C + c) * 9);
      const w00 = load<f32>(p), w01 = load<f32>(p, 4), w02 = load<f32>(p, 8);
      const w10 = load<f32>(p, 12), w11 = load<f32>(p, 16), w12 = load<f32>(p, 20);
      const w20 = load<f32>(p, 24), w21 = load<f32>(p, 28), w22 = load<f32>(p, 32);
      const dst = at4(U, (o - o0) * C + c);
      filterRow(dst, sp, 0, w00, w01, w02);
      filterRow(dst, sp, 1, (w00 + w10 + w20) * half, (w01 + w11 + w21) * half, (w02 + w12 + w22) * half);
      filterRow(dst, sp, 2, (w00 - w10 + w20) * half, (w01 - w11 + w21) * half, (w02 - w12 + w22) * half);
      filterRow(dst, sp, 3, w20, w21, w22);
    }
  }
}

/** Element (iy, ix) of a channel plane, 0 outside it (the padding). */
@inline function padded(p: usize, H: i32, W: i32, iy: i32, ix: i32): f32 {
  return <u32>iy < <u32>H && <u32>ix < <u32>W ? load<f32>(at4(p, iy * W + ix)) : 0;
}

/**
 * V[ξ][c][k] = (Bᵀ·d·B)[ξ] for the 4×4 input block d of every tile k of the
 * chunk (table `tiles`) and channel c, with Bᵀ = [1 0 −1 0; 0 1 1 0;
 * 0 −1 1 0; 0 1 0 −1]. Channel by channel, tile by tile: each channel's
 * plane is read in order and each of the 16 rows of V written in order.
 */
function transformTiles(x: usize, C: i32, H: i32, W: i32, PH: i32, PW: i32, tiles: usize, tt: i32, V: usize): void {
  const S = H * W;
  const sp = <usize>planeStride(C * tt) << 2;
  const s = <usize>W << 2;
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < tt; k++) {
      const e = tiles + (<usize>(k * TILE_WORDS) << 2);
      const iy = 2 * load<i32>(e, 4) - PH, ix = 2 * load<i32>(e, 8) - PW;
      const p = at4(x, (load<i32>(e) * C + c) * S);
      let d00: f32, d01: f32, d02: f32, d03: f32, d10: f32, d11: f32, d12: f32, d13: f32;
      let d20: f32, d21: f32, d22: f32, d23: f32, d30: f32, d31: f32, d32: f32, d33: f32;
      if (iy >= 0 && ix >= 0 && iy + 4 <= H && ix + 4 <= W) {
        const q = at4(p, iy * W + ix);
        d00 = load<f32>(q); d01 = load<f32>(q, 4); d02 = load<f32>(q, 8); d03 = load<f32>(q, 12);
        d10 = load<f32>(q + s); d11 = load<f32>(q + s, 4); d12 = load<f32>(q + s, 8); d13 = load<f32>(q + s, 12);
        d20 = load<f32>(q + 2 * s); d21 = load<f32>(q + 2 * s, 4); d22 = load<f32>(q + 2 * s, 8); d23 = load<f32>(q + 2 * s, 12);
        d30 = load<f32>(q + 3 * s); d31 = load<f32>(q + 3 * s, 4); d32 = load<f32>(q + 3 * s, 8); d33 = load<f32>(q + 3 * s, 12);
      } else {
        d00 = padded(p, H, W, iy, ix); d01 = padded(p, H, W, iy, ix + 1); d02 = padded(p, H, W, iy, ix + 2); d03 = padded(p, H, W, iy, ix + 3);
        d10 = padded(p, H, W, iy + 1, ix); d11 = padded(p, H, W, iy + 1, ix + 1); d12 = padded(p, H, W, iy + 1, ix + 2); d13 = padded(p, H, W, iy + 1, ix + 3);
        d20 = padded(p, H, W, iy + 2, ix); d21 = padded(p, H, W, iy + 2, ix + 1); d22 = padded(p, H, W, iy + 2, ix + 2); d23 = padded(p, H, W, iy + 2, ix + 3);
        d30 = padded(p, H, W, iy + 3, ix); d31 = padded(p, H, W, iy + 3, ix + 1); d32 = padded(p, H, W, iy + 3, ix + 2); d33 = padded(p, H, W, iy + 3, ix + 3);
      }
      // Bᵀ·d, column by column.
      const r00 = d00 - d20, r01 = d01 - d21, r02 = d02 - d22, r03 = d03 - d23;
      const r10 = d10 + d20, r11 = d11 + d21, r12 = d12 + d22, r13 = d13 + d23;
      const r20 = d20 - d10, r21 = d21 - d11, r22 = d22 - d12, r23 = d23 - d13;
      const r30 = d10 - d30, r31 = d11 - d31, r32 = d12 - d32, r33 = d13 - d33;
      // (Bᵀ·d)·B, row by row, into ξ = 4i + j.
      const v = at4(V, c * tt + k);
      store<f32>(v, r00 - r02); store<f32>(v + sp, r01 + r02); store<f32>(v + 2 * sp, r02 - r01); store<f32>(v + 3 * sp, r01 - r03);
      store<f32>(v + 4 * sp, r10 - r12); store<f32>(v + 5 * sp, r11 + r12); store<f32>(v + 6 * sp, r12 - r11); store<f32>(v + 7 * sp, r11 - r13);
      store<f32>(v + 8 * sp, r20 - r22); store<f32>(v + 9 * sp, r21 + r22); store<f32>(v + 10 * sp, r22 - r21); store<f32>(v + 11 * sp, r21 - r23);
      store<f32>(v + 12 * sp, r30 - r32); store<f32>(v + 13 * sp, r31 + r32); store<f32>(v + 14 * sp, r32 - r31); store<f32>(v + 15 * sp, r31 - r33);
    }
  }
}

/**
 * y's 2×2 tiles of output channels o0 + [0, Oc) from M[ξ][o][k]: Aᵀ·m·A
 * with Aᵀ = [1 1 1 0; 0 1 −1 −1]; rows [r0, r1) and columns below OW only.
 * Channel by channel, tile by tile, so each of M's 16 rows is read in order.
 */
function untransformTiles(M: usize, Oc: i32, tiles: usize, tt: i32, y: usize, O: i32, o0: i32, OH: i32, OW: i32, r0: i32, r1: i32): void {
  const sp = <usize>planeStride(Oc * tt) << 2;
  const L = OH * OW;
  const row = <usize>OW << 2;
  for (let o = 0; o < Oc; o++) {
    for (let k = 0; k < tt; k++) {
      const e = tiles + (<usize>(k * TILE_WORDS) << 2);
      const oy = 2 * load<i32>(e, 4), ox = 2 * load<i32>(e, 8);
      const m = at4(M, o * tt + k);
      const m00 = load<f32>(m), m01 = load<f32>(m + sp), m02 = load<f32>(m + 2 * sp), m03 = load<f32>(m + 3 * sp);
      const m10 = load<f32>(m + 4 * sp), m11 = load<f32>(m + 5 * sp), m12 = load<f32>(m + 6 * sp), m13 = load<f32>(m + 7 * sp);
      const m20 = load<f32>(m + 8 * sp), m21 = load<f32>(m + 9 * sp), m22 = load<f32>(m + 10 * sp), m23 = load<f32>(m + 11 * sp);
      const m30 = load<f32>(m + 12 * sp), m31 = load<f32>(m + 13 * sp), m32 = load<f32>(m + 14 * sp), m33 = load<f32>(m + 15 * sp);
      // Aᵀ·m, column by column.
      const s00 = m00 + m10 + m20, s01 = m01 + m11 + m21, s02 = m02 + m12 + m22, s03 = m03 + m13 + m23;
      const s10 = m10 - m20 - m30, s11 = m11 - m21 - m31, s12 = m12 - m22 - m32, s13 = m13 - m23 - m33;
      const out = at4(y, (load<i32>(e) * O + o0 + o) * L + oy * OW + ox);
      const right = ox + 1 < OW;
      if (oy >= r0) {
        store<f32>(out, s00 + s01 + s02);
        if (right) store<f32>(out, s01 - s02 - s03, 4);
      }
      if (oy + 1 < r1) {
        store<f32>(out + row, s10 + s11 + s12);
        if (right) store<f32>(out + row, s11 - s12 - s13, 4);
      }
    }
  }
}

/**
 * Fills the chunk's table with tiles [t0, t0 + tt) of a range that has
 * perImage tiles per image (rows from tile row ty0, TW tiles per row),
 * starting at image n0.
 */
function listTiles(tiles: usize, t0: i32, tt: i32, n0: i32, ty0: i32, perImage: i32, TW: i32): void {
  for (let k = 0; k < tt; k++) {
    const t = t0 + k, rest = t % perImage;
    const e = tiles + (<usize>(k * TILE_WORDS) << 2);
    store<i32>(e, n0 + t / perImage);
    store<i32>(e, ty0 + rest / TW, 4);
    store<i32>(e, rest % TW, 8);
  }
}

/**
 * y[n, o] for images [n0, n1), output channels [o0, o1) and output rows
 * [r0, r1) of a layer winogradApplies to. `scratch` holds
 * winogradScratchFloats floats, then the GEMM's packing buffers at `gs`.
 */
export function winogradForward(x: usize, w: usize, y: usize, d: usize, n0: i32, n1: i32, o0: i32, o1: i32, r0: i32, r1: i32, scratch: usize, gs: usize): void {
  const g = windowAt(d);
  const C = g.C, O = g.O, H = g.H, W = g.W, OW = g.OW;
  const Oc = o1 - o0;
  if (Oc <= 0 || r1 <= r0) return;
  const TT = chunkTiles(C, O);
  const U = scratch;
  const V = at4(U, 16 * planeStride(Oc * C));
  const M = at4(V, 16 * planeStride(C * TT));
  const tiles = at4(M, 16 * planeStride(O * TT));
  transformFilter(w, C, o0, o1, U);
  const TW = (OW + 1) >> 1;
  const ty0 = r0 >> 1, rowsT = ((r1 + 1) >> 1) - ty0;
  const perImage = rowsT * TW;
  const total = (n1 - n0) * perImage;
  for (let t0 = 0; t0 < total; t0 += TT) {
    const tt = min(TT, total - t0);
    listTiles(tiles, t0, tt, n0, ty0, perImage, TW);
    transformTiles(x, C, H, W, g.PH, g.PW, tiles, tt, V);
    for (let xi = 0; xi < 16; xi++)
      gemm(
        Oc, tt, C,
        at4(U, xi * planeStride(Oc * C)), C, 1,
        at4(V, xi * planeStride(C * tt)), tt, 1,
        at4(M, xi * planeStride(Oc * tt)), tt, false, gs,
      );
    untransformTiles(M, Oc, tiles, tt, y, O, o0, g.OH, OW, r0, r1);
  }
}

/**
 * dM[ξ][o][k] = (A·g·Aᵀ)[ξ] for the 2×2 block g of dy at every tile k of
 * the chunk and output channels o0 + [0, Oc) (0 past the output's edge),
 * with A = [1 0; 1 1; 1 −1; 0 −1]: the adjoint of untransformTiles.
 */
function transformGradientTiles(dy: usize, O: i32, o0: i32, Oc: i32, OH: i32, OW: i32, tiles: usize, tt: i32, dM: usize): void {
  const sp = <usize>planeStride(Oc * tt) << 2;
  const L = OH * OW;
  const row = <usize>OW << 2;
  for (let o = 0; o < Oc; o++) {
    for (let k = 0; k < tt; k++) {
      const e = tiles + (<usize>(k * TILE_WORDS) << 2);
      const oy = 2 * load<i32>(e, 4), ox = 2 * load<i32>(e, 8);
      const p = at4(dy, (load<i32>(e) * O + o0 + o) * L + oy * OW + ox);
      const right = ox + 1 < OW, below = oy + 1 < OH;
      const g00 = load<f32>(p), g01: f32 = right ? load<f32>(p, 4) : 0;
      const g10: f32 = below ? load<f32>(p + row) : 0, g11: f32 = below && right ? load<f32>(p + row, 4) : 0;
      // A·g: 4 rows of 2.
      const a0 = g00, b0 = g01;
      const a1 = g00 + g10, b1 = g01 + g11;
      const a2 = g00 - g10, b2 = g01 - g11;
      const a3 = -g10, b3 = -g11;
      // (A·g)·Aᵀ: each row [a, b] → [a, a + b, a − b, −b], into ξ = 4i + j.
      const m = at4(dM, o * tt + k);
      store<f32>(m, a0); store<f32>(m + sp, a0 + b0); store<f32>(m + 2 * sp, a0 - b0); store<f32>(m + 3 * sp, -b0);
      store<f32>(m + 4 * sp, a1); store<f32>(m + 5 * sp, a1 + b1); store<f32>(m + 6 * sp, a1 - b1); store<f32>(m + 7 * sp, -b1);
      store<f32>(m + 8 * sp, a2); store<f32>(m + 9 * sp, a2 + b2); store<f32>(m + 10 * sp, a2 - b2); store<f32>(m + 11 * sp, -b2);
      store<f32>(m + 12 * sp, a3); store<f32>(m + 13 * sp, a3 + b3); store<f32>(m + 14 * sp, a3 - b3); store<f32>(m + 15 * sp, -b3);
    }
  }
}

/** (t0, t1, t2, t3)·G for G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]: three values, stored at q, q + 4, q + 8. */
@inline function filterGradientRow(q: usize, t0: f32, t1: f32, t2: f32, t3: f32): void {
  const half: f32 = 0.5;
  store<f32>(q, t0 + (t1 + t2) * half);
  store<f32>(q, (t1 - t2) * half, 4);
  store<f32>(q, (t1 + t2) * half + t3, 8);
}

/**
 * dw[o][c] = Gᵀ·dU[o][c]·G for output channels [o0, o1) (rows of dw, which
 * is O×C×3×3): the adjoint of transformFilter.
 */
function untransformFilter(dU: usize, C: i32, o0: i32, o1: i32, dw: usize): void {
  const sp = <usize>planeStride((o1 - o0) * C) << 2;
  const half: f32 = 0.5;
  for (let o = o0; o < o1; o++) {
    for (let c = 0; c < C; c++) {
      const u = at4(dU, (o - o0) * C + c);
      const u00 = load<f32>(u), u01 = load<f32>(u + sp), u02 = load<f32>(u + 2 * sp), u03 = load<f32>(u + 3 * sp);
      const u10 = load<f32>(u + 4 * sp), u11 = load<f32>(u + 5 * sp), u12 = load<f32>(u + 6 * sp), u13 = load<f32>(u + 7 * sp);
      const u20 = load<f32>(u + 8 * sp), u21 = load<f32>(u + 9 * sp), u22 = load<f32>(u + 10 * sp), u23 = load<f32>(u + 11 * sp);
      const u30 = load<f32>(u + 12 * sp), u31 = load<f32>(u + 13 * sp), u32 = load<f32>(u + 14 * sp), u33 = load<f32>(u + 15 * sp);
      const q = at4(dw, (o * C + c) * 9);
      // Gᵀ·dU, row by row, then each row times G.
      filterGradientRow(q, u00 + (u10 + u20) * half, u01 + (u11 + u21) * half, u02 + (u12 + u22) * half, u03 + (u13 + u23) * half);
      filterGradientRow(q + 12, (u10 - u20) * half, (u11 - u21) * half, (u12 - u22) * half, (u13 - u23) * half);
      filterGradientRow(q + 24, (u10 + u20) * half + u30, (u11 + u21) * half + u31, (u12 + u22) * half + u32, (u13 + u23) * half + u33);
    }
  }
}

/**
 * Rows [o0, o1) of dw (O×C×3×3, overwritten) summed over images [n0, n1),
 * for a layer winogradApplies to: Σ over tiles, chunk by chunk in tile
 * order, of dM_ξ·V_ξᵀ, then back to 3×3. `scratch` as for winogradForward.
 */
export function winogradFilter(x: usize, dy: usize, dw: usize, d: usize, n0: i32, n1: i32, o0: i32, o1: i32, scratch: usize, gs: usize): void {
  const g = windowAt(d);
  const C = g.C, O = g.O, H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  const Oc = o1 - o0;
  if (Oc <= 0) return;
  const TT = chunkTiles(C, O);
  const dU = scratch;
  const V = at4(dU, 16 * planeStride(Oc * C));
  const dM = at4(V, 16 * planeStride(C * TT));
  const tiles = at4(dM, 16 * planeStride(O * TT));
  const TW = (OW + 1) >> 1;
  const perImage = ((OH + 1) >> 1) * TW;
  const total = (n1 - n0) * perImage;
  for (let t0 = 0; t0 < total; t0 += TT) {
    const tt = min(TT, total - t0);
    listTiles(tiles, t0, tt, n0, 0, perImage, TW);
    transformTiles(x, C, H, W, g.PH, g.PW, tiles, tt, V);
    transformGradientTiles(dy, O, o0, Oc, OH, OW, tiles, tt, dM);
    for (let xi = 0; xi < 16; xi++)
      gemm(
        Oc, C, tt,
        at4(dM, xi * planeStride(Oc * tt)), tt, 1,
        at4(V, xi * planeStride(C * tt)), 1, tt,
        at4(dU, xi * planeStride(Oc * C)), C, t0 > 0, gs,
      );
  }
  if (total == 0) {
    for (let o = o0; o < o1; o++) memory.fill(at4(dw, o * C * 9), 0, <usize>(C * 9) << 2);
    return;
  }
  untransformFilter(dU, C, o0, o1, dw);
}
