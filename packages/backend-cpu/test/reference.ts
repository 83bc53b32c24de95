import fc from 'fast-check';
import type { AvgPoolGeometry, ConvGeometry, WindowGeometry } from '@gradstream/core';
import { type FloatDType, floatDType, forEachIndex, ravel, sizeOf } from './helpers.js';

/** One spatial dimension of a generated convolution or window. */
interface Dim {
  readonly k: number;
  readonly s: number;
  readonly d: number;
  readonly pb: number;
  readonly pa: number;
  readonly size: number;
}

const span = (dim: { k: number; d: number }): number => dim.d * (dim.k - 1) + 1;

/** A dimension whose output has at least one position (and, with `cover`, whose input is at least one window wide). */
function dimArb(maxPad: number, cover: boolean): fc.Arbitrary<Dim> {
  return fc
    .record({
      k: fc.integer({ min: 1, max: 3 }),
      s: fc.integer({ min: 1, max: 3 }),
      d: fc.integer({ min: 1, max: 2 }),
      pb: fc.nat(maxPad),
      pa: fc.nat(maxPad),
      extra: fc.nat(4),
    })
    .map(({ extra, ...dim }) => {
      const min = cover ? span(dim) : span(dim) - dim.pb - dim.pa;
      return { ...dim, size: Math.max(1, min + extra) };
    });
}

export interface ConvCase {
  readonly dtype: FloatDType;
  readonly xShape: number[];
  readonly wShape: number[];
  readonly geometry: ConvGeometry;
  readonly yShape: number[];
}

export const convCaseArb: fc.Arbitrary<ConvCase> = fc
  .integer({ min: 1, max: 3 })
  .chain((rank) =>
    fc.record({
      dtype: floatDType,
      batch: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 3 }),
      cg: fc.integer({ min: 1, max: 3 }),
      og: fc.integer({ min: 1, max: 3 }),
      dims: fc.array(dimArb(2, false), { minLength: rank, maxLength: rank }),
    }),
  )
  .map(({ dtype, batch, groups, cg, og, dims }) => ({
    dtype,
    xShape: [batch, groups * cg, ...dims.map((d) => d.size)],
    wShape: [groups * og, cg, ...dims.map((d) => d.k)],
    geometry: {
      stride: dims.map((d) => d.s),
      dilation: dims.map((d) => d.d),
      padding: dims.map((d) => [d.pb, d.pa] as const),
      groups,
    },
    yShape: [batch, groups * og, ...dims.map((d) => Math.floor((d.size + d.pb + d.pa - span(d)) / d.s) + 1)],
  }));

/**
 * Direct convolution by its definition, returning y and, for a given dy, the
 * gradients dx and dw accumulated in the same loop nest.
 */
export function refConv(
  c: ConvCase,
  x: number[],
  w: number[],
  dy: number[],
): { y: number[]; dx: number[]; dw: number[] } {
  const { xShape, wShape, geometry, yShape } = c;
  const y = new Array<number>(sizeOf(yShape)).fill(0);
  const dx = new Array<number>(x.length).fill(0);
  const dw = new Array<number>(w.length).fill(0);
  const og = wShape[0]! / geometry.groups;
  const cg = wShape[1]!;
  const kernel = wShape.slice(2);
  forEachIndex(yShape, (yIndex) => {
    const [n, o] = yIndex as [number, number];
    const g = Math.floor(o / og);
    const yi = ravel(yIndex, yShape);
    for (let ci = 0; ci < cg; ci++) {
      forEachIndex(kernel, (k) => {
        const pos = k.map(
          (kv, i) => yIndex[i + 2]! * geometry.stride[i]! - geometry.padding[i]![0] + kv * geometry.dilation[i]!,
        );
        if (pos.some((p, i) => p < 0 || p >= xShape[i + 2]!)) return;
        const xi = ravel([n, g * cg + ci, ...pos], xShape);
        const wi = ravel([o, ci, ...k], wShape);
        y[yi]! += x[xi]! * w[wi]!;
        dx[xi]! += dy[yi]! * w[wi]!;
        dw[wi]! += dy[yi]! * x[xi]!;
      });
    }
  });
  return { y, dx, dw };
}

export interface WindowCase {
  readonly dtype: FloatDType;
  readonly xShape: number[];
  readonly geometry: AvgPoolGeometry;
}

/**
 * Pooling-style windows: padding at most half the kernel (PyTorch's rule),
 * floor or ceil mode with PyTorch's rule that the last window starts inside
 * the input or the leading padding.
 */
export const windowCaseArb: fc.Arbitrary<WindowCase> = fc
  .integer({ min: 1, max: 3 })
  .chain((rank) =>
    fc.record({
      dtype: floatDType,
      batch: fc.integer({ min: 1, max: 2 }),
      channels: fc.integer({ min: 1, max: 3 }),
      dims: fc.array(dimArb(1, true), { minLength: rank, maxLength: rank }),
      ceilMode: fc.boolean(),
      countIncludePad: fc.boolean(),
    }),
  )
  .map(({ dtype, batch, channels, dims, ceilMode, countIncludePad }) => {
    const fixed = dims.map((d) => ({
      ...d,
      pb: Math.min(d.pb, Math.floor(d.k / 2)),
      pa: Math.min(d.pa, Math.floor(d.k / 2)),
    }));
    const outShape = fixed.map((d) => {
      const room = d.size + d.pb + d.pa - span(d);
      let out = (ceilMode ? Math.ceil(room / d.s) : Math.floor(room / d.s)) + 1;
      if (ceilMode && (out - 1) * d.s >= d.size + d.pb) out--;
      return out;
    });
    return {
      dtype,
      xShape: [batch, channels, ...fixed.map((d) => d.size)],
      geometry: {
        kernel: fixed.map((d) => d.k),
        stride: fixed.map((d) => d.s),
        dilation: fixed.map((d) => d.d),
        padding: fixed.map((d) => [d.pb, d.pa] as const),
        outShape,
        countIncludePad,
      },
    };
  });

/** For each output element of a window op: its flat output index and the window's positions, each with its in-input flat index or −1. */
function forEachWindow(
  xShape: number[],
  g: WindowGeometry,
  visit: (out: number, positions: { index: number; inPadded: boolean }[]) => void,
): void {
  const [batch, channels] = xShape as [number, number];
  const spatial = xShape.slice(2);
  let out = 0;
  forEachIndex([batch, channels, ...g.outShape], (oIndex) => {
    const positions: { index: number; inPadded: boolean }[] = [];
    forEachIndex(g.kernel, (k) => {
      const pos = k.map((kv, i) => oIndex[i + 2]! * g.stride[i]! - g.padding[i]![0] + kv * g.dilation[i]!);
      const inside = pos.every((p, i) => p >= 0 && p < spatial[i]!);
      const inPadded = pos.every((p, i) => p >= -g.padding[i]![0] && p < spatial[i]! + g.padding[i]![1]);
      positions.push({ index: inside ? ravel([oIndex[0]!, oIndex[1]!, ...pos], xShape) : -1, inPadded });
    });
    visit(out++, positions);
  });
}

/** im2col by definition: rows (c, kernel offset), columns output positions. */
export function refUnfold(xShape: number[], g: WindowGeometry, x: number[]): number[] {
  const [batch, channels] = xShape as [number, number];
  const k = sizeOf(g.kernel);
  const L = sizeOf(g.outShape);
  const cols = new Array<number>(batch * channels * k * L).fill(0);
  let w = 0;
  forEachWindow(xShape, g, (_, positions) => {
    const n = Math.floor(w / (channels * L));
    const c = Math.floor(w / L) % channels;
    const l = w % L;
    positions.forEach((p, j) => {
      if (p.index >= 0) cols[((n * channels + c) * k + j) * L + l] = x[p.index]!;
    });
    w++;
  });
  return cols;
}

export function refMaxPool(xShape: number[], g: WindowGeometry, x: number[]): { y: number[]; indices: number[] } {
  const y: number[] = [];
  const indices: number[] = [];
  forEachWindow(xShape, g, (_, positions) => {
    let best = -Infinity;
    let at = -1;
    for (const p of positions) {
      if (p.index >= 0 && (at < 0 || x[p.index]! > best)) {
        best = x[p.index]!;
        at = p.index;
      }
    }
    y.push(best);
    indices.push(at);
  });
  return { y, indices };
}

export function refAvgPool(xShape: number[], g: AvgPoolGeometry, x: number[]): number[] {
  const y: number[] = [];
  forEachWindow(xShape, g, (_, positions) => {
    const inside = positions.filter((p) => p.index >= 0);
    const divisor = g.countIncludePad ? positions.filter((p) => p.inPadded).length : inside.length;
    y.push(inside.reduce((s, p) => s + x[p.index]!, 0) / divisor);
  });
  return y;
}
