// Pooling forward values against naive direct loops written here in float64
// (PyTorch's ceilMode output rule and avg-pool divisor rules), and maxPool2d
// and avgPool2d forward and gradients against tfjs-core (cpu).
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the tfjs gradients used below
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Tensor,
  tensor,
  tidy,
  grad,
  sum,
  mul,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  lpPool1d,
  lpPool2d,
  lpPool3d,
  globalAvgPool,
  globalMaxPool,
  adaptiveAvgPool2d,
  maxout,
} from '@gradstream/core';
import { poolCaseArb, tensorArb, shapeArb, type PoolCase } from '@gradstream/core/testing';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] === expected[i]) continue; // also ±Infinity (a max window that lies wholly in padding)
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol * (1 + Math.abs(expected[i]!))))
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** PyTorch's pooling output length, including its ceil-mode rule (the last window must start inside the input or the left padding). */
function torchOut(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= n + p) out--;
  return out;
}

const lift = <T>(l: readonly T[], fill: T): T[] => [...new Array<T>(3 - l.length).fill(fill), ...l];

type Reducer = (vals: number[], window: { poolSize: number; count: number }) => number;

/** Visits every window of an N×C×spatial tensor (rank 1–3), PyTorch geometry; `reduce` gets the in-input values. */
function naivePool(
  xShape: number[],
  x: ArrayLike<number>,
  c: { kernel: number[]; stride: number[]; padding: number[]; dilation: number[]; ceilMode: boolean },
  reduce: Reducer,
): { shape: number[]; values: number[] } {
  const rank = xShape.length - 2;
  const [N, C] = xShape as [number, number];
  const sp = lift(xShape.slice(2), 1),
    k = lift(c.kernel, 1),
    s = lift(c.stride, 1),
    p = lift(c.padding, 0),
    d = lift(c.dilation, 1);
  const os = sp.map((n, i) => torchOut(n, k[i]!, s[i]!, p[i]!, d[i]!, c.ceilMode));
  const values: number[] = [];
  for (let nc = 0; nc < N * C; nc++)
    for (let a = 0; a < os[0]!; a++)
      for (let b = 0; b < os[1]!; b++)
        for (let e = 0; e < os[2]!; e++) {
          const o = [a, b, e];
          const vals: number[] = [];
          let poolSize = 1;
          let count = 1;
          for (let i = 0; i < 3; i++) {
            // avg-pool divisor rule (dilation 1): window [start, min(start + k, n + p)), clipped to [0, n) for the count
            const start = o[i]! * s[i]! - p[i]!;
            const end = Math.min(start + k[i]!, sp[i]! + p[i]!);
            poolSize *= end - start;
            count *= Math.min(end, sp[i]!) - Math.max(start, 0);
          }
          for (let ka = 0; ka < k[0]!; ka++)
            for (let kb = 0; kb < k[1]!; kb++)
              for (let kc = 0; kc < k[2]!; kc++) {
                const idx = [ka, kb, kc].map((kk, i) => o[i]! * s[i]! - p[i]! + kk * d[i]!);
                if (idx.some((v, i) => v < 0 || v >= sp[i]!)) continue;
                vals.push(x[((nc * sp[0]! + idx[0]!) * sp[1]! + idx[1]!) * sp[2]! + idx[2]!]!);
              }
          values.push(reduce(vals, { poolSize, count }));
        }
  return { shape: [N, C, ...os.slice(3 - rank)], values };
}

/** Values that are all different (a scrambled ramp): max pooling has a unique winner everywhere. */
function distinctArb(shape: number[]): fc.Arbitrary<{ shape: number[]; values: Float64Array; make: () => Tensor }> {
  const n = sizeOf(shape);
  return fc.integer().map((seed) => {
    const perm = Array.from({ length: n }, (_, i) => i);
    let st = seed >>> 0 || 1;
    for (let i = n - 1; i > 0; i--) {
      st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
      const j = st % (i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const values = Float64Array.from(perm, (v) => (v - n / 2) * (4 / n));
    return { shape, values, make: () => tensor(values, shape, 'float64') };
  });
}

const maxFns = { 1: maxPool1d, 2: maxPool2d, 3: maxPool3d } as const;
const avgFns = { 1: avgPool1d, 2: avgPool2d, 3: avgPool3d } as const;
const lpFns = { 1: lpPool1d, 2: lpPool2d, 3: lpPool3d } as const;
const withX = (c: PoolCase) => fc.tuple(fc.constant(c), tensorArb(c.xShape));

describe('max pooling equals a naive loop (PyTorch semantics)', () => {
  for (const rank of [1, 2, 3] as const) {
    it(`maxPool${rank}d: kernel, stride, padding, dilation, ceilMode`, () => {
      fc.assert(
        fc.property(poolCaseArb({ rank }).chain(withX), ([c, xs]) =>
          tidy(() => {
            const y = maxFns[rank](xs.make(), c.kernel, {
              stride: c.stride,
              padding: c.padding,
              dilation: c.dilation,
              ceilMode: c.ceilMode,
            });
            const want = naivePool(c.xShape, xs.values, c, (v) => Math.max(...v));
            expect(y.shape).toEqual(want.shape);
            expectAllClose(y.dataSync(), want.values, 0);
          }),
        ),
        { numRuns: 40 },
      );
    });
  }
  it('float32 max and avg pooling agree with the float64 reference to float32 rounding', () => {
    fc.assert(
      fc.property(
        poolCaseArb()
          .map((c) => ({ ...c, dilation: c.dilation.map(() => 1) }))
          .chain(withX),
        ([c, xs]) =>
          tidy(() => {
            const x32 = Float32Array.from(xs.values);
            const x = tensor(x32, c.xShape);
            const rank = c.rank;
            const ym = maxFns[rank](x, c.kernel, { stride: c.stride, padding: c.padding, ceilMode: c.ceilMode });
            const ya = avgFns[rank](x, c.kernel, { stride: c.stride, padding: c.padding, ceilMode: c.ceilMode });
            expect([ym.dtype, ya.dtype]).toEqual(['float32', 'float32']);
            expectAllClose(ym.dataSync(), naivePool(c.xShape, x32, c, (v) => Math.max(...v)).values, 0);
            expectAllClose(
              ya.dataSync(),
              naivePool(c.xShape, x32, c, (v, w) => v.reduce((a, b) => a + b, 0) / w.poolSize).values,
              1e-6,
            );
          }),
      ),
      { numRuns: 30 },
    );
  });

  it('stride defaults to the kernel size', () => {
    tidy(() => {
      const x = tensor(
        Float64Array.from({ length: 16 }, (_, i) => i),
        [1, 1, 4, 4],
        'float64',
      );
      expect(maxPool2d(x, 2).toArray()).toEqual([
        [
          [
            [5, 7],
            [13, 15],
          ],
        ],
      ]);
    });
  });
});

describe('average pooling equals a naive loop (countIncludePad and ceilMode divisor rules)', () => {
  for (const rank of [1, 2, 3] as const) {
    for (const countIncludePad of [true, false]) {
      it(`avgPool${rank}d countIncludePad=${countIncludePad}`, () => {
        fc.assert(
          fc.property(
            poolCaseArb({ rank })
              .map((c) => ({ ...c, dilation: c.dilation.map(() => 1) }))
              .chain(withX),
            ([c, xs]) =>
              tidy(() => {
                const y = avgFns[rank](xs.make(), c.kernel, {
                  stride: c.stride,
                  padding: c.padding,
                  ceilMode: c.ceilMode,
                  countIncludePad,
                });
                const want = naivePool(
                  c.xShape,
                  xs.values,
                  c,
                  (v, w) => v.reduce((a, b) => a + b, 0) / (countIncludePad ? w.poolSize : w.count),
                );
                expect(y.shape).toEqual(want.shape);
                expectAllClose(y.dataSync(), want.values, 1e-12);
              }),
          ),
          { numRuns: 30 },
        );
      });
    }
  }
  it('hand-computed ceilMode cases (values torch.nn.functional.avg_pool1d / max_pool1d give)', () => {
    tidy(() => {
      const x = tensor(new Float64Array([1, 2, 3, 4]), [1, 1, 4], 'float64');
      // kernel 3, stride 2, padding 1: windows start at −1, 1 and (ceil mode only) 3; the last one
      // is [3, min(3 + 3, 4 + 1)) = [3, 5): pool size 2 with the pad, 1 real element.
      expect(Array.from(avgPool1d(x, 3, { stride: 2, padding: 1, ceilMode: true }).dataSync())).toEqual([1, 3, 2]);
      expect(
        Array.from(avgPool1d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }).dataSync()),
      ).toEqual([1.5, 3, 4]);
      expect(Array.from(avgPool1d(x, 3, { stride: 2, padding: 1 }).dataSync())).toEqual([1, 3]);
      expect(Array.from(maxPool1d(x, 3, { stride: 2, padding: 1, ceilMode: true }).dataSync())).toEqual([2, 4, 4]);
      // 5 wide, kernel 2, stride 2, padding 1: a fourth window would start at 5 = n, inside the right padding: dropped.
      const x5 = tensor(new Float64Array([1, 2, 3, 4, 5]), [1, 1, 5], 'float64');
      expect(Array.from(avgPool1d(x5, 2, { stride: 2, padding: 1, ceilMode: true }).dataSync())).toEqual([
        0.5, 2.5, 4.5,
      ]);
    });
  });
});

describe('Lp, global, adaptive pooling and maxout equal naive loops', () => {
  it('lpPool1d/2d/3d: (k/count · Σ xᵖ)^(1/p) per window, as torch LPPool (count = window clipped by ceilMode)', () => {
    const arb = fc
      .constantFrom(1 as const, 2 as const, 3 as const)
      .chain((rank) => poolCaseArb({ rank }))
      .map((c) => ({ ...c, padding: c.padding.map(() => 0), dilation: c.dilation.map(() => 1) }))
      .filter((c) => c.xShape.slice(2).every((n, i) => n >= c.kernel[i]!))
      .chain((c) =>
        fc.tuple(fc.constant(c), tensorArb(c.xShape, 'float64', { min: 0.1, max: 2 }), fc.constantFrom(1, 2, 3, 1.5)),
      );
    fc.assert(
      fc.property(arb, ([c, xs, p]) =>
        tidy(() => {
          const y = lpFns[c.rank](xs.make(), p, c.kernel, { stride: c.stride, ceilMode: c.ceilMode });
          const K = sizeOf(c.kernel);
          const want = naivePool(
            c.xShape,
            xs.values,
            c,
            (v, w) => ((K / w.poolSize) * v.reduce((a, b) => a + b ** p, 0)) ** (1 / p),
          );
          expect(y.shape).toEqual(want.shape);
          expectAllClose(y.dataSync(), want.values, 1e-12);
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('globalAvgPool and globalMaxPool over 1–3 spatial dims keep them as size 1', () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 3, maxRank: 5, maxDim: 4 }).chain((s) => tensorArb(s)),
        (xs) =>
          tidy(() => {
            const x = xs.make();
            const [n, c] = xs.shape as [number, number];
            const inner = sizeOf(xs.shape.slice(2));
            const avg: number[] = [],
              mx: number[] = [];
            for (let i = 0; i < n * c; i++) {
              const v = Array.from(xs.values.subarray(i * inner, (i + 1) * inner));
              avg.push(v.reduce((a, b) => a + b, 0) / inner);
              mx.push(Math.max(...v));
            }
            const ga = globalAvgPool(x);
            expect(ga.shape).toEqual([n, c, ...xs.shape.slice(2).map(() => 1)]);
            expectAllClose(ga.dataSync(), avg, 1e-12);
            expectAllClose(globalMaxPool(x).dataSync(), mx, 0);
          }),
      ),
      { numRuns: 30 },
    );
  });

  it("adaptiveAvgPool2d uses PyTorch's bins [floor(i·n/out), ceil((i+1)·n/out)) for any sizes", () => {
    const arb = fc
      .record({
        n: fc.integer({ min: 1, max: 2 }),
        c: fc.integer({ min: 1, max: 2 }),
        h: fc.integer({ min: 1, max: 9 }),
        w: fc.integer({ min: 1, max: 9 }),
        oh: fc.integer({ min: 1, max: 6 }),
        ow: fc.integer({ min: 1, max: 6 }),
      })
      .chain((q) => fc.tuple(fc.constant(q), tensorArb([q.n, q.c, q.h, q.w])));
    fc.assert(
      fc.property(arb, ([q, xs]) =>
        tidy(() => {
          const y = adaptiveAvgPool2d(xs.make(), [q.oh, q.ow]);
          expect(y.shape).toEqual([q.n, q.c, q.oh, q.ow]);
          const want: number[] = [];
          for (let nc = 0; nc < q.n * q.c; nc++)
            for (let i = 0; i < q.oh; i++)
              for (let j = 0; j < q.ow; j++) {
                const h0 = Math.floor((i * q.h) / q.oh),
                  h1 = Math.ceil(((i + 1) * q.h) / q.oh);
                const w0 = Math.floor((j * q.w) / q.ow),
                  w1 = Math.ceil(((j + 1) * q.w) / q.ow);
                let s = 0;
                for (let a = h0; a < h1; a++) for (let b = w0; b < w1; b++) s += xs.values[(nc * q.h + a) * q.w + b]!;
                want.push(s / ((h1 - h0) * (w1 - w0)));
              }
          expectAllClose(y.dataSync(), want, 1e-12);
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('maxout keeps the max of each group of consecutive channels', () => {
    const arb = fc
      .record({
        n: fc.integer({ min: 1, max: 2 }),
        g: fc.integer({ min: 1, max: 3 }),
        pieces: fc.integer({ min: 1, max: 4 }),
        h: fc.integer({ min: 1, max: 3 }),
      })
      .chain((q) => fc.tuple(fc.constant(q), tensorArb([q.n, q.g * q.pieces, q.h, q.h])));
    fc.assert(
      fc.property(arb, ([q, xs]) =>
        tidy(() => {
          const y = maxout(xs.make(), q.pieces);
          expect(y.shape).toEqual([q.n, q.g, q.h, q.h]);
          const hw = q.h * q.h;
          const want: number[] = [];
          for (let n = 0; n < q.n; n++)
            for (let g = 0; g < q.g; g++)
              for (let s = 0; s < hw; s++) {
                let m = -Infinity;
                for (let p = 0; p < q.pieces; p++)
                  m = Math.max(m, xs.values[(n * q.g * q.pieces + g * q.pieces + p) * hw + s]!);
                want.push(m);
              }
          expectAllClose(y.dataSync(), want, 0);
        }),
      ),
      { numRuns: 30 },
    );
  });
});

describe('maxPool2d and avgPool2d equal tfjs-core (NHWC ↔ NCHW), forward and gradients', () => {
  const toNHWC = (v: ArrayLike<number>, [n, c, h, w]: number[]) => {
    const out = new Float32Array(v.length);
    for (let a = 0; a < n!; a++)
      for (let ch = 0; ch < c!; ch++)
        for (let i = 0; i < h!; i++)
          for (let j = 0; j < w!; j++) out[((a * h! + i) * w! + j) * c! + ch] = v[((a * c! + ch) * h! + i) * w! + j]!;
    return out;
  };
  const fromNHWC = (v: ArrayLike<number>, [n, c, h, w]: number[]) => {
    const out = new Float64Array(v.length);
    for (let a = 0; a < n!; a++)
      for (let ch = 0; ch < c!; ch++)
        for (let i = 0; i < h!; i++)
          for (let j = 0; j < w!; j++) out[((a * c! + ch) * h! + i) * w! + j] = v[((a * h! + i) * w! + j) * c! + ch]!;
    return out;
  };
  // tfjs 'same' pads total = max((⌈n/s⌉ − 1)·s + k − n, 0), the smaller half first; gradstream takes it as explicit pairs.
  const samePairs = (n: number, k: number, s: number): [number, number] => {
    const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const arb = fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      c: fc.integer({ min: 1, max: 3 }),
      kh: fc.integer({ min: 1, max: 4 }),
      kw: fc.integer({ min: 1, max: 4 }),
      sh: fc.integer({ min: 1, max: 3 }),
      sw: fc.integer({ min: 1, max: 3 }),
      eh: fc.integer({ min: 0, max: 5 }),
      ew: fc.integer({ min: 0, max: 5 }),
      same: fc.boolean(),
    })
    .chain((q) => fc.tuple(fc.constant(q), distinctArb([q.n, q.c, q.kh + q.eh, q.kw + q.ew])));

  it('forward and gradients, valid and same padding (avg: padding excluded from the divisor, as tfjs does)', () => {
    fc.assert(
      fc.property(arb, ([q, xs]) =>
        tidy(() => {
          const shape = xs.shape;
          const [, , h, w] = shape as [number, number, number, number];
          const x32 = Float32Array.from(xs.values);
          const x = tensor(x32, shape);
          const padding = q.same
            ? [samePairs(h, q.kh, q.sh), samePairs(w, q.kw, q.sw)]
            : ([
                [0, 0],
                [0, 0],
              ] as [number, number][]);
          const opts = { stride: [q.sh, q.sw], padding };
          const tx = tf.tensor4d(toNHWC(x32, shape), [q.n, h, w, q.c]);
          const pad = q.same ? 'same' : 'valid';
          const pools: [string, (t: Tensor) => Tensor, (t: tf.Tensor4D) => tf.Tensor4D][] = [
            [
              'maxPool2d',
              (t) => maxPool2d(t, [q.kh, q.kw], opts),
              (t) => tf.maxPool(t, [q.kh, q.kw], [q.sh, q.sw], pad),
            ],
            [
              'avgPool2d',
              (t) => avgPool2d(t, [q.kh, q.kw], { ...opts, countIncludePad: false }),
              (t) => tf.avgPool(t, [q.kh, q.kw], [q.sh, q.sw], pad),
            ],
          ];
          for (const [name, ours, theirs] of pools) {
            const y = ours(x);
            const ty = theirs(tx);
            expect(y.shape).toEqual([q.n, q.c, ty.shape[1], ty.shape[2]]);
            expectAllClose(y.dataSync(), fromNHWC(ty.dataSync(), y.shape as number[]), 1e-6);
            const r = Float32Array.from({ length: y.size }, (_, i) => Math.cos(i) + 1.5);
            const rg = tensor(r, y.shape);
            // tfjs's cpu avgPool gradient divides by the full window even where 'same' padding clipped it
            // (inconsistent with its own forward), so avg gradients are compared for 'valid' only.
            if (name === 'avgPool2d' && q.same) {
              ty.dispose();
              continue;
            }
            const tr = tf.tensor4d(toNHWC(r, y.shape as number[]), ty.shape);
            const dx = grad((t) => sum(mul(ours(t), rg)))(x);
            const tdx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(theirs(t as tf.Tensor4D), tr)))(tx);
            expectAllClose(dx.dataSync(), fromNHWC(tdx.dataSync(), shape), 1e-5);
            tf.dispose([ty, tr, tdx]);
          }
          tx.dispose();
        }),
      ),
      { numRuns: 40 },
    );
  });
});
