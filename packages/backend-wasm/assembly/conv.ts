// Convolution as im2col + packed GEMM per image and group. Each entry point
// takes a range of images and a range of channels so the thread pool can
// split the batch (or, for small batches, the channels) between threads.
// The filter gradient of small images takes several at a time (see
// convBatch): their column matrices sit side by side, so one GEMM with a long
// reduction covers them all. Layers with few taps per output run forward
// through the direct kernel of conv-direct.ts, and 3×3 stride-1 layers with
// enough channels forward and for the filter gradient through Winograd's
// F(2×2, 3×3) in winograd.ts.

import { at4, copyFloats, zero4 } from './mem';
import { gemm, gemmScratchBytes } from './gemm';
import { col2im, im2col, im2colIsIdentity, im2colRows, im2colStrided } from './im2col';
import { windowAt } from './window';
import { directApplies, directFilter, directFilterApplies, directFilterScratchFloats, directForward, directScratchFloats } from './conv-direct';
import { winogradApplies, winogradFilter, winogradForward, winogradScratchFloats } from './winograd';

/**
 * Floats of column matrix the forward pass builds at a time. The whole
 * matrix of a 64-channel 56×56 image is 7 MB; filling and consuming it in
 * cache-sized pieces of output rows saves a trip through main memory.
 */
const FORWARD_COL_FLOATS = 96 * 1024;
/**
 * Fewest columns per piece: every piece repacks the weights, which costs
 * about 1/columns of the piece's multiply-adds.
 */
const FORWARD_MIN_COLS = 256;

/**
 * Floats of side-by-side column matrices the filter gradient builds. Image
 * by image, a LeNet layer's filter gradient is a 16 × 150 × 100 GEMM whose
 * 150 × 100 column matrix is repacked (transposed) for every image; six
 * images side by side are one 150 × 16 × 600 product that reads the columns
 * in place and packs only dy (measured 5-6% faster on both LeNet layers; the
 * same batching of the forward pass and the input gradient measured no gain).
 */
const BATCH_COL_FLOATS = 96 * 1024;

/**
 * Images per batched filter-gradient GEMM: as many column matrices as fit BATCH_COL_FLOATS,
 * or 1 (image by image) when one matrix fills half of it. A function of the
 * shapes alone, so a reduction over the batch sums in the same order
 * whatever the thread count.
 */
function convBatch(d: usize): i32 {
  const win = windowAt(d);
  const colImage = win.C / win.groups * win.kernelSize * win.outSize;
  if (colImage == 0 || 2 * colImage > BATCH_COL_FLOATS || im2colIsIdentity(d)) return 1;
  return max(1, min(win.N, BATCH_COL_FLOATS / colImage));
}

@inline function align16(floats: i32): i32 {
  return (floats << 2) + 15 & ~15;
}

/** Bytes of the column matrices (one group's, for convBatch images). */
@inline function colBytes(d: usize): i32 {
  const win = windowAt(d);
  return align16(win.C / win.groups * win.kernelSize * win.outSize * convBatch(d));
}

/**
 * Bytes after the columns for the batched filter gradient: a group's dy for
 * the batch, Og × batch·L, and the transposed block of dw, C/g·k × Og.
 */
@inline function auxBytes(d: usize): i32 {
  const nb = convBatch(d);
  if (nb == 1) return 0;
  const win = windowAt(d);
  const Og = win.O / win.groups;
  return align16(Og * nb * win.outSize) + align16(win.C / win.groups * win.kernelSize * Og);
}

/** Scratch bytes per thread: column matrices and the batched filter gradient's buffers (or the direct kernel's planes), gemm packing. */
export function convScratchBytes(d: usize): i32 {
  const direct = directFilterApplies(d) ? align16(directFilterScratchFloats(d)) : directApplies(d) ? align16(directScratchFloats(d)) : 0;
  return max(max(colBytes(d) + auxBytes(d), direct), winogradBytes(d)) + gemmScratchBytes();
}

/** Bytes of winogradForward's buffers, 0 where it does not apply. */
@inline function winogradBytes(d: usize): i32 {
  return winogradApplies(d) ? align16(winogradScratchFloats(d)) : 0;
}

@inline function auxScratch(d: usize, scratch: usize): usize {
  return scratch + <usize>colBytes(d);
}

@inline function gemmScratch(d: usize, scratch: usize): usize {
  return scratch + <usize>(colBytes(d) + auxBytes(d));
}

/** Copies channels [o0, o1) of images [n, n + cnt) of t (N×O×L) side by side into dst: (o1 − o0) × cnt·L. */
function gatherPlanes(t: usize, O: i32, L: i32, n: i32, cnt: i32, o0: i32, o1: i32, dst: usize): void {
  const ld = cnt * L;
  for (let i = 0; i < cnt; i++) {
    for (let o = o0; o < o1; o++) copyFloats(at4(dst, (o - o0) * ld + i * L), at4(t, ((n + i) * O + o) * L), L);
  }
}

/**
 * y[n, o] for images [n0, n1), output channels [o0, o1) and output rows
 * [r0, r1) (an output row is one (od, oh) pair). Splitting rows rather than
 * channels lets threads share a small batch without each rebuilding the
 * whole column matrix.
 */
export function convForward(x: usize, w: usize, y: usize, d: usize, n0: i32, n1: i32, o0: i32, o1: i32, r0: i32, r1: i32, scratch: usize): void {
  const win = windowAt(d);
  if (directApplies(d)) {
    directForward(x, w, y, d, n0, n1, o0, o1, r0, r1, scratch);
    return;
  }
  if (winogradApplies(d)) {
    winogradForward(x, w, y, d, n0, n1, o0, o1, r0, r1, scratch, scratch + <usize>winogradBytes(d));
    return;
  }
  const C = win.C, O = win.O, G = win.groups;
  const Cg = C / G, Og = O / G, KK = win.kernelSize, CK = Cg * KK;
  const S = win.inSize, L = win.outSize;
  const identity = im2colIsIdentity(d);
  const gs = gemmScratch(d, scratch);
  for (let n = n0; n < n1; n++) {
    for (let g = 0; g < G; g++) {
      const oa = max(o0, g * Og), ob = min(o1, (g + 1) * Og);
      if (oa >= ob) continue;
      const src = at4(x, n * C * S + g * Cg * S);
      const OW = win.OW;
      const out = at4(y, n * O * L + oa * L);
      if (identity) {
        gemm(ob - oa, (r1 - r0) * OW, CK, at4(w, oa * CK), CK, 1, at4(src, r0 * OW), L, 1, at4(out, r0 * OW), L, false, gs);
        continue;
      }
      const step = max((FORWARD_MIN_COLS + OW - 1) / OW, FORWARD_COL_FLOATS / (CK * OW));
      for (let ra = r0; ra < r1; ra += step) {
        const rb = min(r1, ra + step), cols = (rb - ra) * OW;
        im2colRows(src, Cg, d, scratch, ra, rb);
        gemm(ob - oa, cols, CK, at4(w, oa * CK), CK, 1, scratch, cols, 1, at4(out, ra * OW), L, false, gs);
      }
    }
  }
}

/** dx[n, c] for images [n0, n1) and input channels [c0, c1). */
export function convBackpropInput(dy: usize, w: usize, dx: usize, d: usize, n0: i32, n1: i32, c0: i32, c1: i32, scratch: usize): void {
  const win = windowAt(d);
  const C = win.C, O = win.O, G = win.groups;
  const Cg = C / G, Og = O / G, KK = win.kernelSize, CK = Cg * KK;
  const S = win.inSize, L = win.outSize;
  const identity = im2colIsIdentity(d);
  const gs = gemmScratch(d, scratch);
  for (let n = n0; n < n1; n++) {
    for (let g = 0; g < G; g++) {
      const ca = max(c0, g * Cg), cb = min(c1, (g + 1) * Cg);
      if (ca >= cb) continue;
      const dst = at4(dx, n * C * S + ca * S);
      // A = W_gᵀ restricted to the rows of channels [ca, cb): element (ck, o) at w[(g·Og + o)·CK + ck].
      const a = at4(w, g * Og * CK + (ca - g * Cg) * KK);
      const grad = at4(dy, n * O * L + g * Og * L);
      if (identity) {
        gemm(cb - ca, L, Og, a, 1, CK, grad, L, 1, dst, L, false, gs);
      } else {
        gemm((cb - ca) * KK, L, Og, a, 1, CK, grad, L, 1, scratch, L, false, gs);
        zero4(dst, (cb - ca) * S);
        col2im(scratch, cb - ca, d, dst);
      }
    }
  }
}

/**
 * Rows [o0, o1) of dw summed over images [n0, n1), image by image, into out
 * (O×C/G×k, overwritten).
 */
function filterChunk(x: usize, dy: usize, out: usize, d: usize, n0: i32, n1: i32, o0: i32, o1: i32, scratch: usize): void {
  if (directFilterApplies(d)) {
    directFilter(x, dy, out, d, n0, n1, o0, o1, scratch);
    return;
  }
  if (winogradApplies(d)) {
    winogradFilter(x, dy, out, d, n0, n1, o0, o1, scratch, scratch + <usize>winogradBytes(d));
    return;
  }
  const win = windowAt(d);
  const C = win.C, O = win.O, G = win.groups;
  const Cg = C / G, Og = O / G, KK = win.kernelSize, CK = Cg * KK;
  const S = win.inSize, L = win.outSize;
  const identity = im2colIsIdentity(d);
  const gs = gemmScratch(d, scratch);
  const nb = convBatch(d);
  if (nb > 1) {
    // dW_gᵀ (CK × channels) = Σ cols · dY_gᵀ over convBatch images per GEMM, so K is the batch's
    // pixels and the small dY is what gets packed; then transposed into out.
    const dyg = auxScratch(d, scratch);
    const dwT = dyg + <usize>align16(Og * nb * L);
    for (let g = 0; g < G; g++) {
      const oa = max(o0, g * Og), ob = min(o1, (g + 1) * Og);
      if (oa >= ob) continue;
      const no = ob - oa;
      for (let n = n0; n < n1; n += nb) {
        const cnt = min(nb, n1 - n), ld = cnt * L;
        for (let i = 0; i < cnt; i++) im2colStrided(at4(x, ((n + i) * C + g * Cg) * S), Cg, d, at4(scratch, i * L), ld);
        gatherPlanes(dy, O, L, n, cnt, oa, ob, dyg);
        gemm(CK, no, ld, scratch, ld, 1, dyg, 1, ld, dwT, no, n > n0, gs);
      }
      for (let o = oa; o < ob; o++) {
        const row = at4(out, o * CK);
        for (let k = 0; k < CK; k++) store<f32>(at4(row, k), load<f32>(at4(dwT, k * no + o - oa)));
      }
    }
    return;
  }
  for (let n = n0; n < n1; n++) {
    for (let g = 0; g < G; g++) {
      const oa = max(o0, g * Og), ob = min(o1, (g + 1) * Og);
      if (oa >= ob) continue;
      const src = at4(x, n * C * S + g * Cg * S);
      let col = scratch;
      if (identity) col = src;
      else im2col(src, Cg, d, col);
      // dW_g += dY_g (Og×L) · colᵀ (L×CK)
      gemm(ob - oa, CK, L, at4(dy, n * O * L + oa * L), L, 1, col, 1, L, at4(out, oa * CK), CK, n > n0, gs);
    }
  }
}

/**
 * dw = Σₙ dy[n] · im2col(x[n])ᵀ in an order that does not depend on how the
 * work is split: the batch is cut into chunks of `chunk` images (the last
 * may be shorter), each summed image by image into its own buffer (chunk 0
 * into dw, chunk k > 0 into partials + (k − 1)·|dw|), and the caller adds
 * the buffers in chunk order. Work unit k·O + o is output channel o of chunk
 * k; this call does units [u0, u1).
 */
export function convBackpropFilter(x: usize, dy: usize, dw: usize, partials: usize, d: usize, chunk: i32, u0: i32, u1: i32, scratch: usize): void {
  const win = windowAt(d);
  const N = win.N, O = win.O;
  const size = O * (win.C / win.groups) * win.kernelSize;
  for (let k = u0 / O; k * O < u1; k++) {
    const out = k == 0 ? dw : at4(partials, (k - 1) * size);
    const n0 = k * chunk;
    filterChunk(x, dy, out, d, n0, min(N, n0 + chunk), max(u0 - k * O, 0), min(u1 - k * O, O), scratch);
  }
}
