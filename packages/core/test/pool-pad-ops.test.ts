// Adaptive max/average pooling, returnIndices + maxUnpool, divisorOverride,
// pad's border modes and the Conv layers' paddingMode: forward against naive
// loops written here over random shapes (fast-check), float64 gradcheck and
// gradgradcheck, and the layer wrappers. PyTorch's own numbers are in
// pool-pad-torch.test.ts.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  ShapeError,
  type Tensor,
  adaptiveAvgPool1d,
  adaptiveAvgPool3d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  avgPool2d,
  conv2d,
  fractionalMaxPool2d,
  fractionalMaxPool3d,
  maxPool2d,
  maxUnpool1d,
  maxUnpool2d,
  maxUnpool3d,
  pad,
  randn,
  setSeed,
  square,
  tensor,
  tidy,
} from '@gradstream/core';
import {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
  Conv2d,
  FractionalMaxPool2d,
  MaxPool2d,
  MaxUnpool2d,
  Sequential,
} from '@gradstream/core/nn';
import { gradcheck, gradgradcheck } from '@gradstream/core/testing';

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const f64 = (values: ArrayLike<number>, shape: number[]) => tensor(Float64Array.from(values), shape, 'float64');
/** Distinct values in random order, so maxima never tie. */
const distinct = (shape: number[], seed: number): Tensor => {
  const n = prod(shape);
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) / 7);
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return f64(v, shape);
};

/** Row-major multi-index iteration over a shape. */
function* positions(shape: readonly number[]): Generator<number[]> {
  const n = prod(shape);
  for (let flat = 0; flat < n; flat++) {
    let rest = flat;
    yield shape.map((_, d) => {
      const after = prod(shape.slice(d + 1));
      const i = Math.floor(rest / after);
      rest %= after;
      return i;
    });
  }
}
const flatIndex = (idx: readonly number[], shape: readonly number[]) =>
  idx.reduce((acc, i, d) => acc * shape[d]! + i, 0);

/** The naive adaptive pool: every bin [floor(i·n/o), ceil((i+1)·n/o)) visited element by element. */
function naiveAdaptive(x: Tensor, out: number[], kind: 'max' | 'avg'): { values: number[]; indices: number[] } {
  const data = x.dataSync();
  const [n, c] = x.shape as [number, number];
  const spatial = x.shape.slice(2);
  const plane = prod(spatial);
  const values: number[] = [];
  const indices: number[] = [];
  for (let p = 0; p < n * c; p++) {
    for (const o of positions(out)) {
      const box = o.map((i, d) => [
        Math.floor((i * spatial[d]!) / out[d]!),
        Math.ceil(((i + 1) * spatial[d]!) / out[d]!),
      ]);
      const boxShape = box.map(([a, b]) => b! - a!);
      let best = Number.NEGATIVE_INFINITY;
      let where = -1;
      let total = 0;
      for (const r of positions(boxShape)) {
        const at = flatIndex(
          r.map((v, d) => v + box[d]![0]!),
          spatial,
        );
        const v = Number(data[p * plane + at]);
        total += v;
        if (v > best) [best, where] = [v, at];
      }
      values.push(kind === 'max' ? best : total / prod(boxShape));
      indices.push(where);
    }
  }
  return { values, indices };
}

const close = (actual: Tensor, expected: number[], tol = 1e-12) => {
  const a = Array.from(actual.dataSync(), Number);
  expect(a.length).toBe(expected.length);
  for (const [i, v] of a.entries()) expect(Math.abs(v - expected[i]!), `element ${i}`).toBeLessThanOrEqual(tol);
};

const adaptiveCase = (rank: number) =>
  fc.record({
    spatial: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: rank, maxLength: rank }),
    outs: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: rank, maxLength: rank }),
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 2 }),
    seed: fc.integer(),
  });

describe('adaptive pooling', () => {
  const maxFns = { 1: adaptiveMaxPool1d, 2: adaptiveMaxPool2d, 3: adaptiveMaxPool3d } as const;
  const avgFns = { 1: adaptiveAvgPool1d, 3: adaptiveAvgPool3d } as const;

  it.each([1, 2, 3] as const)('adaptiveMaxPool%dd: values and indices equal the naive bin loop', (rank) => {
    fc.assert(
      fc.property(adaptiveCase(rank), ({ spatial, outs, n, c, seed }) =>
        tidy(() => {
          const x = distinct([n, c, ...spatial], seed);
          const want = naiveAdaptive(x, outs, 'max');
          const [y, i] = (maxFns[rank] as typeof adaptiveMaxPool3d)(x, outs as [number, number, number], {
            returnIndices: true,
          });
          expect(y.shape).toEqual([n, c, ...outs]);
          close(y, want.values, 0);
          expect(Array.from(i.dataSync())).toEqual(want.indices);
          close((maxFns[rank] as typeof adaptiveMaxPool3d)(x, outs as [number, number, number]), want.values, 0);
        }),
      ),
      { numRuns: 15 },
    );
  });

  it.each([1, 3] as const)('adaptiveAvgPool%dd equals the naive bin mean', (rank) => {
    fc.assert(
      fc.property(adaptiveCase(rank), ({ spatial, outs, n, c, seed }) =>
        tidy(() => {
          const x = distinct([n, c, ...spatial], seed);
          const y = (avgFns[rank] as typeof adaptiveAvgPool3d)(x, outs as [number, number, number]);
          close(y, naiveAdaptive(x, outs, 'avg').values);
        }),
      ),
      { numRuns: 15 },
    );
  });

  it('ties go to the first maximum in row-major order, as PyTorch', () => {
    const [, i] = adaptiveMaxPool2d(f64([1, 3, 3, 3], [1, 1, 2, 2]), 1, { returnIndices: true });
    expect(i.toArray()).toEqual([[[[1]]]]);
  });

  it('gradcheck and gradgradcheck in float64 (max squared, since max is piecewise linear)', () => {
    const x1 = distinct([2, 1, 7], 3);
    const x2 = distinct([1, 2, 5, 7], 4);
    const x3 = distinct([1, 1, 3, 5, 4], 5);
    gradcheck((x) => adaptiveMaxPool1d(x, 3), [x1]);
    gradcheck((x) => adaptiveMaxPool2d(x, [3, 4]), [x2]);
    gradcheck((x) => adaptiveMaxPool3d(x, [2, 3, 3]), [x3]);
    gradgradcheck((x) => square(adaptiveMaxPool2d(x, [3, 4])), [x2]);
    gradgradcheck((x) => square(adaptiveMaxPool3d(x, [2, 3, 3])), [x3]);
    gradcheck((x) => adaptiveAvgPool1d(x, 3), [x1]);
    gradcheck((x) => adaptiveAvgPool3d(x, [2, 3, 3]), [x3]);
    gradgradcheck((x) => square(adaptiveAvgPool1d(x, 4)), [x1]);
    gradgradcheck((x) => square(adaptiveAvgPool3d(x, [2, 2, 3])), [x3]);
  });

  it('refuses bad sizes with typed errors naming the op', () => {
    expect(() => adaptiveMaxPool2d(randn([1, 1, 4, 4]), [2, 0])).toThrow(ArgumentError);
    expect(() => adaptiveMaxPool2d(randn([1, 1, 4, 4]), [2, 0])).toThrow(/^adaptiveMaxPool2d: outputSize/);
    expect(() => adaptiveAvgPool3d(randn([1, 4, 4]), 1)).toThrow(ShapeError);
  });

  it('the layers wrap the ops', () => {
    const x = distinct([2, 3, 5, 6, 7], 9);
    expect(new AdaptiveMaxPool3d([1, 2, 3]).call(x).toArray()).toEqual(adaptiveMaxPool3d(x, [1, 2, 3]).toArray());
    expect(new AdaptiveAvgPool3d(2).call(x).toArray()).toEqual(adaptiveAvgPool3d(x, 2).toArray());
    const x2 = distinct([2, 3, 5, 6], 9);
    expect(new AdaptiveMaxPool2d([4, 5]).call(x2).toArray()).toEqual(adaptiveMaxPool2d(x2, [4, 5]).toArray());
    const x1 = distinct([2, 3, 9], 9);
    expect(new AdaptiveMaxPool1d(4).call(x1).toArray()).toEqual(adaptiveMaxPool1d(x1, 4).toArray());
    expect(new AdaptiveAvgPool1d(4).call(x1).toArray()).toEqual(adaptiveAvgPool1d(x1, 4).toArray());
  });
});

describe('returnIndices and maxUnpool', () => {
  it('maxPool2d indices are plane-local and point at the maxima; unpooling puts them back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (h, w, k, seed) =>
          tidy(() => {
            fc.pre(h >= k && w >= k);
            const x = distinct([2, 2, h, w], seed);
            const [y, i] = maxPool2d(x, k, { returnIndices: true });
            const xs = x.dataSync();
            const ys = y.dataSync();
            const is = i.dataSync();
            const plane = h * w;
            const outPlane = prod(y.shape.slice(2));
            for (let j = 0; j < ys.length; j++) {
              const p = Math.floor(j / outPlane);
              expect(is[j]).toBeGreaterThanOrEqual(0);
              expect(is[j]).toBeLessThan(plane);
              expect(xs[p * plane + is[j]!]).toBe(ys[j]);
            }
            // the naive unpool: zeros, then each value at its index in its own plane
            const want = new Array<number>(2 * 2 * plane).fill(0);
            for (let j = 0; j < ys.length; j++) want[Math.floor(j / outPlane) * plane + is[j]!] = Number(ys[j]);
            close(maxUnpool2d(y, i, k, { outputSize: [h, w] }), want, 0);
          }),
      ),
      { numRuns: 20 },
    );
  });

  it('overlapping windows that pick one input restore it once (not summed)', () => {
    const x = f64([0, 9, 0, 0], [1, 1, 4]);
    const [y, i] = maxPool2d(f64([0, 9, 0, 0], [1, 1, 1, 4]), [1, 2], { stride: 1, returnIndices: true });
    expect(i.toArray()).toEqual([[[[1, 1, 2]]]]);
    expect(maxUnpool2d(y, i, [1, 2], { stride: 1, outputSize: [1, 4] }).toArray()).toEqual([[[[0, 9, 0, 0]]]]);
    expect(x.shape).toEqual([1, 1, 4]);
  });

  it('gradcheck and gradgradcheck in float64 for 1-D, 2-D and 3-D', () => {
    const idx = (values: number[], shape: number[]) => tensor(Int32Array.from(values), shape, 'int32');
    const x1 = randn([1, 2, 3], 0, 1, 'float64');
    const i1 = idx([1, 2, 5, 0, 3, 4], [1, 2, 3]);
    gradcheck((x) => maxUnpool1d(x, i1, 2), [x1]);
    gradgradcheck((x) => square(maxUnpool1d(x, i1, 2)), [x1]);
    const x2 = randn([1, 1, 2, 2], 0, 1, 'float64');
    const i2 = idx([0, 3, 9, 14], [1, 1, 2, 2]);
    gradcheck((x) => maxUnpool2d(x, i2, 2, { outputSize: [4, 5] }), [x2]);
    gradgradcheck((x) => square(maxUnpool2d(x, i2, 2, { outputSize: [4, 5] })), [x2]);
    const x3 = randn([1, 1, 1, 1, 2], 0, 1, 'float64');
    const i3 = idx([7, 2], [1, 1, 1, 1, 2]);
    gradcheck((x) => maxUnpool3d(x, i3, 2), [x3]);
    gradgradcheck((x) => square(maxUnpool3d(x, i3, 2)), [x3]);
    // through the pooling: the maxima's gradient passes back to where they were
    const x = distinct([1, 2, 4, 4], 11);
    gradcheck(
      (u) => {
        const [y, i] = maxPool2d(u, 2, { returnIndices: true });
        return maxUnpool2d(y, i, 2);
      },
      [x],
    );
  });

  it('refuses indices out of range, of another shape or dtype, and sizes PyTorch refuses', () => {
    const x = randn([1, 1, 2, 2], 0, 1, 'float64');
    const bad = tensor(Int32Array.from([0, 1, 2, 16]), [1, 1, 2, 2], 'int32');
    expect(() => maxUnpool2d(x, bad, 2)).toThrow(/^maxUnpool2d: index 16 at position 3 is outside \[0, 16\)/);
    expect(() => maxUnpool2d(x, tensor(Int32Array.from([0, 1]), [1, 1, 1, 2], 'int32'), 2)).toThrow(ShapeError);
    expect(() => maxUnpool2d(x, randn([1, 1, 2, 2]), 2)).toThrow(/indices must be int32/);
    expect(() => maxUnpool2d(x, bad, 2, { outputSize: [6, 4] })).toThrow(/strictly between 2 and 6/);
  });

  it('MaxUnpool2d inverts the MaxPool2d built with keepIndices, at its input size', () => {
    const pool = new MaxPool2d(2, { keepIndices: true });
    const unpool = new MaxUnpool2d(pool);
    expect(() => unpool.call(randn([1, 1, 2, 2]))).toThrow(/^MaxUnpool2d: maxUnpool2d: its MaxPool2d has not run yet/);
    const net = new Sequential([pool, new Conv2d(3, 3, 3, { padding: 1 }), unpool]);
    const x = randn([1, 3, 7, 5]);
    expect(net.call(x).shape).toEqual([1, 3, 7, 5]);
    const [, i] = maxPool2d(x, 2, { returnIndices: true });
    expect(pool.indices!.toArray()).toEqual(i.toArray());
    const first = pool.indices!;
    pool.call(x);
    expect(first.isDisposed).toBe(true);
    expect(() => new MaxUnpool2d(new MaxPool2d(2))).toThrow(/^MaxUnpool2d: needs a MaxPool2d built with/);
  });
});

/** avgPool2d with divisorOverride by hand: sum the in-bounds part of every window, divide by the override. */
function naiveDivisorPool(x: Tensor, k: number, s: number, p: number, ceil: boolean, divisor: number): number[] {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const data = x.dataSync();
  const size = (len: number) => {
    const span = len + 2 * p - k;
    let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (ceil && (out - 1) * s >= len + p) out--;
    return out;
  };
  const out: number[] = [];
  for (let q = 0; q < n * c; q++)
    for (let i = 0; i < size(h); i++)
      for (let j = 0; j < size(w); j++) {
        let total = 0;
        for (let a = i * s - p; a < i * s - p + k; a++)
          for (let b = j * s - p; b < j * s - p + k; b++)
            if (a >= 0 && a < h && b >= 0 && b < w) total += Number(data[q * h * w + a * w + b]);
        out.push(total / divisor);
      }
  return out;
}

describe('avgPool divisorOverride', () => {
  it('equals the naive window sum over the override (countIncludePad, ceilMode, padding all ways)', () => {
    fc.assert(
      fc.property(
        fc.record({
          h: fc.integer({ min: 3, max: 8 }),
          w: fc.integer({ min: 3, max: 8 }),
          k: fc.integer({ min: 1, max: 3 }),
          s: fc.integer({ min: 1, max: 3 }),
          p: fc.integer({ min: 0, max: 1 }),
          ceil: fc.boolean(),
          include: fc.boolean(),
          divisor: fc.integer({ min: -5, max: 9 }).filter((d) => d !== 0),
          seed: fc.integer(),
        }),
        ({ h, w, k, s, p, ceil, include, divisor, seed }) =>
          tidy(() => {
            fc.pre(2 * p <= k);
            const x = distinct([1, 2, h, w], seed);
            const y = avgPool2d(x, k, {
              stride: s,
              padding: p,
              ceilMode: ceil,
              countIncludePad: include,
              divisorOverride: divisor,
            });
            close(y, naiveDivisorPool(x, k, s, p, ceil, divisor));
          }),
      ),
      { numRuns: 25 },
    );
  });

  it('gradcheck and gradgradcheck in float64; bad divisors are typed errors', () => {
    const x = randn([1, 2, 5, 5], 0, 1, 'float64');
    gradcheck((u) => avgPool2d(u, 3, { stride: 2, padding: 1, ceilMode: true, divisorOverride: 4 }), [x]);
    gradgradcheck((u) => square(avgPool2d(u, 2, { padding: 1, divisorOverride: 3 })), [x]);
    expect(() => avgPool2d(x, 2, { divisorOverride: 0 })).toThrow(
      /^avgPool2d: divisorOverride must be a non-zero integer, got 0/,
    );
    expect(() => avgPool2d(x, 2, { divisorOverride: 1.5 })).toThrow(ArgumentError);
  });
});

/** pad by hand: every output position maps back to a source position, or to the constant. */
function naivePad(x: Tensor, pairs: [number, number][], mode: string, value: number): number[] {
  const data = x.dataSync();
  const outShape = x.shape.map((n, d) => n + pairs[d]![0] + pairs[d]![1]);
  const out: number[] = [];
  for (const o of positions(outShape)) {
    let inside = true;
    const src = o.map((i, d) => {
      const n = x.shape[d]!;
      let j = i - pairs[d]![0];
      if (mode === 'constant') {
        if (j < 0 || j >= n) inside = false;
      } else if (mode === 'replicate') j = Math.min(Math.max(j, 0), n - 1);
      else if (mode === 'circular') j = ((j % n) + n) % n;
      else {
        while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
      }
      return j;
    });
    out.push(inside ? Number(data[flatIndex(src, x.shape)]) : value);
  }
  return out;
}

describe('pad modes', () => {
  it('reflect, replicate, circular and constant equal the naive index map on random shapes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), {
          minLength: 4,
          maxLength: 4,
        }),
        fc.constantFrom('reflect', 'replicate', 'circular', 'constant'),
        fc.integer(),
        (shape, rawPairs, mode, seed) =>
          tidy(() => {
            const limit = (n: number) => (mode === 'reflect' ? n - 1 : mode === 'circular' ? n : 5);
            const pairs = shape.map((n, d) => rawPairs[d]!.map((p) => Math.min(p, limit(n))) as [number, number]);
            const x = distinct(shape, seed);
            const options = mode === 'constant' ? { mode, value: 0.25 } : { mode };
            close(pad(x, pairs, options), naivePad(x, pairs, mode, 0.25), 0);
          }),
      ),
      { numRuns: 40 },
    );
  });

  it('gradcheck and gradgradcheck in float64 for every border mode', () => {
    const x = randn([1, 2, 3, 4], 0, 1, 'float64');
    const pairs: [number, number][] = [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 2],
    ];
    for (const mode of ['reflect', 'replicate', 'circular'] as const) {
      gradcheck((u) => pad(u, pairs, { mode }), [x]);
      gradgradcheck((u) => square(pad(u, pairs, { mode })), [x]);
    }
  });

  it('keeps the old constant form and refuses what PyTorch refuses', () => {
    expect(pad(tensor([1, 2]), [[1, 1]], 7).toArray()).toEqual([7, 1, 2, 7]);
    expect(() => pad(tensor([1, 2, 3]), [[3, 0]], { mode: 'reflect' })).toThrow(
      /^pad: reflect padding \[3,0\] of axis 0 needs less than its length 3/,
    );
    expect(() => pad(tensor([1, 2, 3]), [[4, 0]], { mode: 'circular' })).toThrow(ShapeError);
    expect(() => pad(tensor([1, 2]), [[1, 0]], { mode: 'reflect', value: 1 })).toThrow(
      /value is only used by mode 'constant'/,
    );
    expect(() => pad(tensor([1, 2]), [[1, 0]], { mode: 'wrap' as 'circular' })).toThrow(/^pad: mode must be one of/);
  });
});

describe('Conv paddingMode', () => {
  it("equals conv without padding of the input padded in that mode (the naive pad), 'same' included", () => {
    for (const paddingMode of ['reflect', 'replicate', 'circular'] as const) {
      for (const [padding, pairs] of [
        [1, [1, 1, 1, 1]],
        [
          [2, 1],
          [2, 2, 1, 1],
        ],
        ['same', [1, 2, 1, 2]],
      ] as const) {
        tidy(() => {
          const layer = new Conv2d(2, 3, [4, 4], { padding, paddingMode, dtype: 'float64' });
          const x = randn([2, 2, 5, 6], 0, 1, 'float64');
          const padded = naivePad(
            x,
            [
              [0, 0],
              [0, 0],
              [pairs[0], pairs[1]],
              [pairs[2], pairs[3]],
            ],
            paddingMode,
            0,
          );
          const xp = f64(padded, [2, 2, 5 + pairs[0] + pairs[1], 6 + pairs[2] + pairs[3]]);
          const want = conv2d(xp, layer.weight, { bias: layer.bias });
          close(layer.call(x), Array.from(want.dataSync(), Number));
        });
      }
    }
  });

  it('gradcheck through the layer input, and typed errors', () => {
    const layer = new Conv2d(1, 2, 3, { padding: 2, paddingMode: 'reflect', dtype: 'float64' });
    gradcheck((u) => layer.call(u), [randn([1, 1, 4, 4], 0, 1, 'float64')]);
    gradgradcheck((u) => square(layer.call(u)), [randn([1, 1, 4, 4], 0, 1, 'float64')]);
    expect(() => new Conv2d(1, 1, 3, { paddingMode: 'mirror' as 'reflect' })).toThrow(
      /^Conv2d: paddingMode must be one of zeros, reflect, replicate, circular/,
    );
    expect(() => new Conv2d(1, 1, 3, { padding: 'same', stride: 2, paddingMode: 'circular' })).toThrow(
      /^Conv2d: padding 'same' needs stride 1/,
    );
  });
});

/** Fractional max pooling by hand (float64): Graham's starts ⌊(i+u)α⌋ − ⌊uα⌋, the last at n − k, then each window's first maximum. */
function naiveFractional(x: Tensor, k: number, out: number[], u: number[][]): { values: number[]; indices: number[] } {
  const data = x.dataSync();
  const spatial = x.shape.slice(2);
  const plane = prod(spatial);
  const values: number[] = [];
  const indices: number[] = [];
  u.forEach((us, p) => {
    const startsOf = (d: number) =>
      Array.from({ length: out[d]! }, (_, i) => {
        if (i === out[d]! - 1) return spatial[d]! - k;
        const alpha = (spatial[d]! - k) / (out[d]! - 1);
        return Math.floor((i + us[d]!) * alpha) - Math.floor(us[d]! * alpha);
      });
    const s = spatial.map((_, d) => startsOf(d));
    for (const o of positions(out)) {
      let best = Number.NEGATIVE_INFINITY;
      let where = -1;
      for (const r of positions(spatial.map(() => k))) {
        const at = flatIndex(
          r.map((v, d) => v + s[d]![o[d]!]!),
          spatial,
        );
        const v = Number(data[p * plane + at]);
        if (v > best) [best, where] = [v, at];
      }
      values.push(best);
      indices.push(where);
    }
  });
  return { values, indices };
}

describe('fractional max pooling', () => {
  it('values and indices equal the naive windows for given samples (2-D samples are [W, H], 3-D [D, H, W])', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2 as const, 3 as const),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.integer(),
        (rank, k, extra, outs, us, seed) =>
          tidy(() => {
            const out = outs.slice(0, rank).map((o) => o + 1);
            const spatial = out.map((o, d) => o + k - 1 + extra[d]!);
            const x = distinct([2, 1, ...spatial], seed);
            const samples = f64(us.slice(0, 2 * rank), [2, 1, rank]);
            // PyTorch's sample order per plane, mapped to D/H/W here
            const order = rank === 2 ? [1, 0] : [0, 1, 2];
            const perPlane = [0, 1].map((p) => order.map((i) => us[p * rank + i]!));
            const want = naiveFractional(x, k, out, perPlane);
            const fn = rank === 2 ? fractionalMaxPool2d : fractionalMaxPool3d;
            const [y, i] = fn(x, k, { outputSize: out, samples, returnIndices: true });
            expect(y.shape).toEqual([2, 1, ...out]);
            close(y, want.values, 0);
            expect(Array.from(i.dataSync())).toEqual(want.indices);
          }),
      ),
      { numRuns: 25 },
    );
  });

  it('gradcheck and gradgradcheck in float64; outputRatio; typed errors', () => {
    const x = distinct([1, 2, 7, 6], 21);
    const samples = f64([0.1, 0.7, 0.45, 0.9], [1, 2, 2]);
    gradcheck((u) => fractionalMaxPool2d(u, 2, { outputSize: [4, 3], samples }), [x]);
    gradgradcheck((u) => square(fractionalMaxPool2d(u, 2, { outputSize: [4, 3], samples })), [x]);
    const x3 = distinct([1, 1, 4, 5, 4], 22);
    const s3 = f64([0.3, 0.6, 0.2], [1, 1, 3]);
    gradcheck((u) => fractionalMaxPool3d(u, 2, { outputSize: [2, 3, 2], samples: s3 }), [x3]);
    expect(fractionalMaxPool2d(randn([1, 1, 10, 9]), 2, { outputRatio: [0.5, 0.7] }).shape).toEqual([1, 1, 5, 6]);
    expect(() => fractionalMaxPool2d(x, 2, { outputSize: 3, outputRatio: 0.5 })).toThrow(
      /^fractionalMaxPool2d: needs exactly one of outputSize and outputRatio/,
    );
    expect(() => fractionalMaxPool2d(x, 2, { outputSize: [7, 3] })).toThrow(ShapeError);
    expect(() => fractionalMaxPool2d(x, 2, { outputSize: 3, samples: f64([1, 0, 0, 0], [1, 2, 2]) })).toThrow(
      /samples must lie in \[0, 1\)/,
    );
  });

  it('the layer draws new windows from the seeded generator on every call', () => {
    const layer = new FractionalMaxPool2d(2, { outputRatio: 0.5 });
    const x = distinct([2, 3, 12, 12], 5);
    setSeed(7);
    const a = layer.call(x).toArray();
    setSeed(7);
    expect(layer.call(x).toArray()).toEqual(a);
    expect(layer.call(x).shape).toEqual([2, 3, 6, 6]);
  });
});
