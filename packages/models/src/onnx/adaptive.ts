import type {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
} from '@gradstream/core/nn';
import type { LayerContext } from './layers.js';

// Adaptive pools, 1-D to 3-D. Output i of an axis of length n covers PyTorch's
// bin [floor(i·n/out), ceil((i+1)·n/out)). When every axis divides evenly the
// bins are a plain pool's windows; otherwise neighbouring bins overlap and
// differ in size, which no ONNX pool expresses, so the graph uses that a box's
// mean and max are separable: one step per axis.

type AdaptiveAvg = AdaptiveAvgPool1d | AdaptiveAvgPool2d | AdaptiveAvgPool3d;
type AdaptiveMax = AdaptiveMaxPool1d | AdaptiveMaxPool2d | AdaptiveMaxPool3d;

function bin(i: number, n: number, out: number): [start: number, end: number] {
  return [Math.floor((i * n) / out), Math.ceil(((i + 1) * n) / out)];
}

/** The spatial sizes in and out, and the one pool that writes the layer when the bins are a plain pool's. */
function geometry(c: LayerContext<AdaptiveAvg | AdaptiveMax>) {
  const sizes = c.xShape.slice(2);
  const outs = c.yShape.slice(2);
  const global = outs.every((o) => o === 1);
  const even = sizes.every((n, i) => n % outs[i]! === 0);
  return { sizes, outs, global, even, kernel: sizes.map((n, i) => n / outs[i]!) };
}

/** The out×n matrix whose rows average the bins (transposed: n×out). */
function averagingMatrix(n: number, out: number, transposed: boolean): Float32Array {
  const m = new Float32Array(out * n);
  for (let i = 0; i < out; i++) {
    const [start, end] = bin(i, n, out);
    for (let j = start; j < end; j++) m[transposed ? j * out + i : i * n + j] = 1 / (end - start);
  }
  return m;
}

export function adaptiveAvgPool(c: LayerContext<AdaptiveAvg>): string {
  const { sizes, outs, global, even, kernel } = geometry(c);
  if (global) return c.graph.node('GlobalAveragePool', [c.x], c.path);
  if (even) return c.graph.node('AveragePool', [c.x], c.path, { kernel_shape: kernel, strides: kernel });
  // One constant matrix product per axis: the last axis from the right, the one before from the
  // left; the first of three through a reshape that makes it the second-to-last.
  const rank = sizes.length;
  const shape = [...c.xShape];
  let y = c.x;
  for (let a = rank - 1; a >= 0; a--) {
    const n = sizes[a]!;
    const out = outs[a]!;
    if (n === out) continue;
    const fromEnd = rank - 1 - a;
    const name = `${c.path}.bins_${a}`;
    if (fromEnd === 0) {
      y = c.graph.node('MatMul', [y, c.graph.floats(name, [n, out], averagingMatrix(n, out, true))], c.path);
    } else {
      const m = c.graph.floats(name, [out, n], averagingMatrix(n, out, false));
      if (fromEnd === 1) y = c.graph.node('MatMul', [m, y], c.path);
      else {
        // Reshape's 0 copies the input's dim, so the batch stays free.
        const rest = shape.slice(a + 3);
        const flat = [0, 0, n, rest.reduce((p, d) => p * d, 1)];
        y = c.graph.node('Reshape', [y, c.graph.int64s(`${c.path}.flat_${a}`, flat)], c.path);
        y = c.graph.node('MatMul', [m, y], c.path);
        y = c.graph.node('Reshape', [y, c.graph.int64s(`${c.path}.unflat_${a}`, [0, 0, out, ...rest])], c.path);
      }
    }
    shape[a + 2] = out;
  }
  return y;
}

export function adaptiveMaxPool(c: LayerContext<AdaptiveMax>): string {
  const { sizes, outs, global, even, kernel } = geometry(c);
  if (global) return c.graph.node('GlobalMaxPool', [c.x], c.path);
  if (even) return c.graph.node('MaxPool', [c.x], c.path, { kernel_shape: kernel, strides: kernel });
  // Per axis: an axis that divides evenly is one MaxPool along it; otherwise each bin is a Slice
  // reduced by a MaxPool as long as the bin, and the bins are concatenated back.
  const rank = sizes.length;
  const along = (a: number, k: number) => sizes.map((_, i) => (i === a ? k : 1));
  let y = c.x;
  for (let a = 0; a < rank; a++) {
    const n = sizes[a]!;
    const out = outs[a]!;
    if (n === out) continue;
    if (n % out === 0) {
      const k = along(a, n / out);
      y = c.graph.node('MaxPool', [y], c.path, { kernel_shape: k, strides: k });
      continue;
    }
    const axis = c.graph.int64s(`${c.path}.axis_${a}`, [a + 2]);
    const pieces = Array.from({ length: out }, (_, i) => {
      const [start, end] = bin(i, n, out);
      const piece = c.graph.node(
        'Slice',
        [
          y,
          c.graph.int64s(`${c.path}.start_${a}_${i}`, [start]),
          c.graph.int64s(`${c.path}.end_${a}_${i}`, [end]),
          axis,
        ],
        c.path,
      );
      const k = along(a, end - start);
      return c.graph.node('MaxPool', [piece], c.path, { kernel_shape: k, strides: k });
    });
    y = c.graph.node('Concat', pieces, c.path, { axis: a + 2 });
  }
  return y;
}
