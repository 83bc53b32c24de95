import { type ConvGeometry, type Shape, type TensorInfo, convOutputSize, sizeOf } from '@gradstream/core';
import type { KernelArgs } from '../runtime/kernel-exports.js';
import type { TensorStore } from '../tensor-store.js';
import { splitRange, threadsFor } from './parallel.js';
import { writeWindowDescriptor } from './window-descriptor.js';

interface ConvPlan {
  readonly desc: number;
  readonly n: number;
  readonly c: number;
  readonly o: number;
  readonly outSpatial: number[];
  /** Output positions per image and channel: the product of outSpatial. */
  readonly outSize: number;
  readonly flops: number;
  readonly scratchBytes: number;
}

function plan(ts: TensorStore, xShape: Shape, wShape: Shape, g: ConvGeometry): ConvPlan {
  const [n, c, ...spatial] = xShape as number[];
  const [o, cg, ...kernel] = wShape as number[];
  const outSpatial = spatial.map((size, i) =>
    convOutputSize(size, kernel[i]!, g.stride[i]!, g.padding[i]!, g.dilation[i]!, 'conv'),
  );
  const desc = writeWindowDescriptor(ts.rt, {
    channels: c!,
    spatial,
    kernel,
    outSpatial,
    stride: g.stride,
    dilation: g.dilation,
    padding: g.padding,
    batch: n!,
    outChannels: o!,
    groups: g.groups,
  });
  const outSize = sizeOf(outSpatial);
  const flops = 2 * n! * o! * cg! * sizeOf(kernel) * outSize;
  return {
    desc,
    n: n!,
    c: c!,
    o: o!,
    outSpatial,
    outSize,
    flops,
    scratchBytes: ts.rt.call('convScratchBytes', { d: desc }),
  };
}

/**
 * y = x ⋆ w (cross-correlation) as im2col + GEMM per image and group.
 * Threads split the images when there are enough. Otherwise they split what
 * costs less to do twice: the output rows, where each thread packs all the
 * weights (O·C/g·k floats), or the output channels, where each builds all
 * the columns (C/g·k·L floats) — rows for large images, channels for the
 * deep layers' small maps.
 */
export function conv(ts: TensorStore, x: TensorInfo, w: TensorInfo, g: ConvGeometry): TensorInfo {
  const p = plan(ts, x.shape, w.shape, g);
  const y = ts.alloc([p.n, p.o, ...p.outSpatial], 'float32');
  if (ts.view(y).length === 0) return y;
  // No input channels (or an input that is all padding): every output is an empty sum.
  if (ts.view(x).length === 0 || ts.view(w).length === 0) {
    ts.view(y).fill(0);
    return y;
  }
  const { rt } = ts;
  const threads = threadsFor(p.flops, rt);
  // Output rows are every (od, oh) pair: all output dimensions but the last.
  const rows = sizeOf(p.outSpatial.slice(0, -1));
  type Range = readonly [number, number];
  const job = (t: number, [n0, n1]: Range, [o0, o1]: Range, [r0, r1]: Range): KernelArgs<'convForward'> => ({
    x: ts.ptr(x),
    w: ts.ptr(w),
    y: ts.ptr(y),
    d: p.desc,
    n0,
    n1,
    o0,
    o1,
    r0,
    r1,
    scratch: rt.scratchFor(t, p.scratchBytes),
  });
  let jobs: KernelArgs<'convForward'>[];
  if (p.n >= threads) jobs = splitRange(p.n, threads).map((n, t) => job(t, n, [0, p.o], [0, rows]));
  else if (rows >= threads && p.o / g.groups < p.outSize)
    jobs = splitRange(rows, threads).map((r, t) => job(t, [0, p.n], [0, p.o], r));
  else jobs = splitRange(p.o, threads).map((o, t) => job(t, [0, p.n], o, [0, rows]));
  rt.parallel('convForward', jobs);
  return y;
}

/**
 * Fewest input channels per group for which a stride-1 input gradient runs
 * as a forward convolution (see transposedGeometry). With few, the forward
 * GEMM's rows (the input channels) fill a fraction of the 4-row register tile.
 */
const TRANSPOSED_MIN_CHANNELS = 32;
/**
 * Most input positions per image for the forward route. The GEMM route packs
 * wᵀ for every image, about 1/positions of its multiply-adds, which the
 * forward route (reading w in place) spares; on larger images the GEMM route
 * is the faster (paired CPU-time A/B at 1 thread, ResNet-18 CIFAR at batch 32:
 * 512 channels at 4×4 1.39×, 256 at 8×8 1.07×, 128 at 16×16 0.95×, 64 at 32×32 0.89×).
 */
const TRANSPOSED_MAX_POSITIONS = 64;

/**
 * The geometry under which dx of a stride-1 convolution is the forward
 * convolution of dy with the filter flipped along every spatial axis and its
 * channel axes swapped (padding dilation·(k − 1) − p on each side), or
 * undefined when that does not apply. The forward builds its column matrix
 * in cache-sized pieces and only copies, where the GEMM-then-col2im path
 * writes a whole column matrix per image and adds it back tap by tap.
 */
function transposedGeometry(g: ConvGeometry, kernel: readonly number[], xShape: Shape): ConvGeometry | undefined {
  const [, c] = xShape as number[];
  if (c! / g.groups < TRANSPOSED_MIN_CHANNELS) return undefined;
  if (!g.stride.every((s) => s === 1)) return undefined;
  const padding = g.padding.map(([before, after], i): readonly [number, number] => {
    const span = g.dilation[i]! * (kernel[i]! - 1);
    return [span - before, span - after];
  });
  if (padding.some(([before, after]) => before < 0 || after < 0)) return undefined;
  return { stride: g.stride, dilation: g.dilation, padding, groups: g.groups };
}

/**
 * Whether the forward convolution of dy with w's flipped filter under
 * `transposed` runs by Winograd's algorithm, which on any map size is faster
 * than the GEMM-then-col2im route (paired A/B at 1 thread, ResNet-18 CIFAR
 * input gradients at batch 32 and the 224×224 network's at batch 1).
 */
function forwardIsWinograd(ts: TensorStore, dy: TensorInfo, w: TensorInfo, transposed: ConvGeometry): boolean {
  const [o, cg, ...kernel] = w.shape as number[];
  const flippedShape = [cg! * transposed.groups, o! / transposed.groups, ...kernel];
  return ts.rt.call('winogradApplies', { d: plan(ts, dy.shape, flippedShape, transposed).desc }) !== 0;
}

/** w (O × C/g × k) flipped along every spatial axis, channels swapped per group: C × O/g × k. */
function flippedFilter(ts: TensorStore, w: TensorInfo, groups: number): TensorInfo {
  const [o, cg, ...kernel] = w.shape as number[];
  const kk = sizeOf(kernel);
  const og = o! / groups;
  const out = ts.alloc([cg! * groups, og, ...kernel], 'float32');
  const src = ts.f32(w);
  const dst = ts.f32(out);
  // Reversing every spatial axis of a row-major block reverses its flat index.
  for (let g = 0; g < groups; g++) {
    for (let oo = 0; oo < og; oo++) {
      for (let c = 0; c < cg!; c++) {
        const from = ((g * og + oo) * cg! + c) * kk;
        const to = ((g * cg! + c) * og + oo) * kk + kk - 1;
        for (let t = 0; t < kk; t++) dst[to - t] = src[from + t]!;
      }
    }
  }
  return out;
}

/**
 * dx: for stride 1 with enough channels, the forward convolution of dy with
 * the flipped filter (see transposedGeometry); otherwise a GEMM of wᵀ with
 * dy per image and group, then col2im.
 */
export function convBackpropInput(
  ts: TensorStore,
  dy: TensorInfo,
  w: TensorInfo,
  g: ConvGeometry,
  xShape: Shape,
): TensorInfo {
  const transposed = transposedGeometry(g, w.shape.slice(2), xShape);
  const forwardPays =
    transposed !== undefined &&
    (sizeOf(xShape.slice(2)) <= TRANSPOSED_MAX_POSITIONS || forwardIsWinograd(ts, dy, w, transposed));
  if (transposed && forwardPays && ts.view(dy).length > 0 && ts.view(w).length > 0) {
    const flipped = flippedFilter(ts, w, g.groups);
    try {
      return conv(ts, dy, flipped, transposed);
    } finally {
      ts.free(flipped.dataId);
    }
  }
  return gemmBackpropInput(ts, dy, w, g, xShape);
}

/** dx as a GEMM of wᵀ with dy per image and group, then col2im. */
function gemmBackpropInput(ts: TensorStore, dy: TensorInfo, w: TensorInfo, g: ConvGeometry, xShape: Shape): TensorInfo {
  const p = plan(ts, xShape, w.shape, g);
  const dx = ts.alloc(xShape, 'float32');
  if (ts.view(dx).length === 0) return dx;
  if (ts.view(dy).length === 0) {
    ts.view(dx).fill(0);
    return dx;
  }
  const { rt } = ts;
  // Threads split the images when there are enough, otherwise the input channels.
  const threads = threadsFor(p.flops, rt);
  const byBatch = p.n >= threads;
  rt.parallel(
    'convBackpropInput',
    splitRange(byBatch ? p.n : p.c, threads).map(([s, e], t) => ({
      dy: ts.ptr(dy),
      w: ts.ptr(w),
      dx: ts.ptr(dx),
      d: p.desc,
      n0: byBatch ? s : 0,
      n1: byBatch ? e : p.n,
      c0: byBatch ? 0 : s,
      c1: byBatch ? p.c : e,
      scratch: rt.scratchFor(t, p.scratchBytes),
    })),
  );
  return dx;
}

/**
 * Most chunks the filter gradient cuts the batch into. Each chunk is summed
 * into its own buffer and the buffers are added in chunk order, so the
 * rounding of dw depends on the batch and the weight shape alone, never on
 * the thread count; eight chunks keep up to eight threads busy.
 */
const FILTER_CHUNKS = 8;
/** Floats of chunk buffers the filter gradient may hold beyond dw itself (16 MB). */
const FILTER_PARTIAL_FLOATS = 4 << 20;

/** Images per chunk of the filter gradient's batch reduction: a function of the shapes only. */
function filterChunkSize(n: number, dwSize: number): number {
  const chunks = Math.max(1, Math.min(n, FILTER_CHUNKS, 1 + Math.floor(FILTER_PARTIAL_FLOATS / dwSize)));
  return Math.ceil(n / chunks);
}

/**
 * dw: Σ over images of dy · im2col(x)ᵀ, reduced over fixed chunks of the
 * batch (see FILTER_CHUNKS). Threads share the (chunk, output channel)
 * pairs evenly, so a small batch still splits across channels.
 */
export function convBackpropFilter(
  ts: TensorStore,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
  wShape: Shape,
): TensorInfo {
  const p = plan(ts, x.shape, wShape, g);
  const dw = ts.alloc(wShape, 'float32');
  const size = ts.view(dw).length;
  if (size === 0) return dw;
  if (ts.view(dy).length === 0) {
    ts.view(dw).fill(0);
    return dw;
  }
  const { rt } = ts;
  const chunk = filterChunkSize(p.n, size);
  const chunks = Math.ceil(p.n / chunk);
  const partials = chunks > 1 ? rt.heap.alloc((chunks - 1) * size * 4) : undefined;
  try {
    rt.parallel(
      'convBackpropFilter',
      splitRange(chunks * p.o, threadsFor(p.flops, rt)).map(([u0, u1], t) => ({
        x: ts.ptr(x),
        dy: ts.ptr(dy),
        dw: ts.ptr(dw),
        partials: partials?.ptr ?? 0,
        d: p.desc,
        chunk,
        u0,
        u1,
        scratch: rt.scratchFor(t, p.scratchBytes),
      })),
    );
    for (let k = 1; k < chunks; k++)
      rt.call('addInto', { dst: ts.ptr(dw), src: partials!.ptr + (k - 1) * size * 4, n: size });
  } finally {
    if (partials) rt.heap.release(partials);
  }
  return dw;
}
