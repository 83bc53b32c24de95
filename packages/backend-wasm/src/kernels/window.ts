import {
  type AvgPoolGeometry,
  type MaxPoolResult,
  type Shape,
  type TensorInfo,
  type WindowGeometry,
  sizeOf,
} from '@gradstream/core';
import type { TensorStore } from '../tensor-store.js';
import { splitRange, threadsFor } from './parallel.js';
import { type WindowSpec, writeWindowDescriptor } from './window-descriptor.js';

/**
 * What one window tap (a comparison, an add or a copy) weighs against the
 * threshold threadsFor applies to multiply-adds: these kernels stream
 * memory, so LeNet's first pooling (301,056 taps) is split across threads.
 */
const TAP_FLOPS = 8;

/** Descriptor for a window over the trailing dims of x; `planes` = ∏ leading dims (N·C). */
function describe(ts: TensorStore, xShape: Shape, g: WindowGeometry, countIncludePad = false) {
  const rank = g.kernel.length;
  const spatial = xShape.slice(xShape.length - rank);
  const lead = xShape.slice(0, xShape.length - rank);
  const spec: WindowSpec = {
    channels: lead.length > 1 ? lead[lead.length - 1]! : 1,
    spatial,
    kernel: g.kernel,
    outSpatial: g.outShape,
    stride: g.stride,
    dilation: g.dilation,
    padding: g.padding,
    countIncludePad,
  };
  const planes = sizeOf(lead);
  const work = planes * sizeOf(g.outShape) * sizeOf(g.kernel) * TAP_FLOPS;
  return { desc: writeWindowDescriptor(ts.rt, spec), planes, lead, work };
}

/** im2col: N×C×(spatial) → N×(C·∏kernel)×L. */
export function unfold(ts: TensorStore, x: TensorInfo, g: WindowGeometry): TensorInfo {
  const [n, c] = x.shape as [number, number];
  const cols = ts.alloc([n, c * sizeOf(g.kernel), sizeOf(g.outShape)], x.dtype);
  if (ts.view(cols).length === 0) return cols;
  const { desc, work } = describe(ts, x.shape, g);
  const ranges = splitRange(n, threadsFor(work, ts.rt));
  ts.rt.parallel(
    'unfold',
    ranges.map(([n0, n1]) => ({ x: ts.ptr(x), cols: ts.ptr(cols), d: desc, n0, n1 })),
  );
  return cols;
}

/** col2im, the adjoint of unfold. */
export function fold(ts: TensorStore, cols: TensorInfo, g: WindowGeometry, xShape: Shape): TensorInfo {
  const x = ts.alloc(xShape, cols.dtype);
  if (ts.view(x).length === 0) return x;
  if (ts.view(cols).length === 0) {
    ts.view(x).fill(0);
    return x;
  }
  const { desc, work } = describe(ts, xShape, g);
  const ranges = splitRange(xShape[0]!, threadsFor(work, ts.rt));
  ts.rt.parallel(
    'fold',
    ranges.map(([n0, n1]) => ({ cols: ts.ptr(cols), x: ts.ptr(x), d: desc, n0, n1 })),
  );
  return x;
}

/** Max pooling with the flat index into x of each maximum. */
export function maxPool(ts: TensorStore, x: TensorInfo, g: WindowGeometry): MaxPoolResult {
  const { desc, planes, lead, work } = describe(ts, x.shape, g);
  const y = ts.alloc([...lead, ...g.outShape], 'float32');
  const indices = ts.alloc([...lead, ...g.outShape], 'int32');
  if (ts.view(y).length === 0) return { y, indices };
  const ranges = splitRange(planes, threadsFor(work, ts.rt));
  ts.rt.parallel(
    'maxPool',
    ranges.map(([p0, p1]) => ({ x: ts.ptr(x), y: ts.ptr(y), idx: ts.ptr(indices), d: desc, p0, p1 })),
  );
  return { y, indices };
}

/**
 * Max pooling's gradient: dy added at the flat indices maxPool returned,
 * which stay inside their N×C plane, so threads split the planes.
 */
export function maxPoolBackward(ts: TensorStore, dy: TensorInfo, indices: TensorInfo, xShape: Shape): TensorInfo {
  const dx = ts.alloc(xShape, dy.dtype);
  const planeOut = sizeOf(dy.shape.slice(2));
  const planeIn = sizeOf(xShape.slice(2));
  const planes = sizeOf(xShape.slice(0, 2));
  if (planes * planeIn === 0) return dx;
  const ranges = splitRange(planes, threadsFor(planes * (planeIn + planeOut) * TAP_FLOPS, ts.rt));
  ts.rt.parallel(
    'maxPoolBackward32',
    ranges.map(([p0, p1]) => ({ dy: ts.ptr(dy), idx: ts.ptr(indices), dx: ts.ptr(dx), planeIn, planeOut, p0, p1 })),
  );
  return dx;
}

/** Average pooling with PyTorch's divisor rules. */
export function avgPool(ts: TensorStore, x: TensorInfo, g: AvgPoolGeometry): TensorInfo {
  const { desc, planes, lead, work } = describe(ts, x.shape, g, g.countIncludePad);
  const y = ts.alloc([...lead, ...g.outShape], 'float32');
  if (ts.view(y).length === 0) return y;
  const ranges = splitRange(planes, threadsFor(work, ts.rt));
  ts.rt.parallel(
    'avgPool',
    ranges.map(([p0, p1]) => ({ x: ts.ptr(x), y: ts.ptr(y), d: desc, p0, p1 })),
  );
  return y;
}

/** The adjoint of avgPool. */
export function avgPoolBackward(ts: TensorStore, dy: TensorInfo, g: AvgPoolGeometry, xShape: Shape): TensorInfo {
  const { desc, planes, work } = describe(ts, xShape, g, g.countIncludePad);
  const dx = ts.alloc(xShape, 'float32');
  if (ts.view(dx).length === 0) return dx;
  const ranges = splitRange(planes, threadsFor(work, ts.rt));
  ts.rt.parallel(
    'avgPoolBackward',
    ranges.map(([p0, p1]) => ({ dy: ts.ptr(dy), dx: ts.ptr(dx), d: desc, p0, p1 })),
  );
  return dx;
}
