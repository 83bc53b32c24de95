// Convolution forward values against independent references: a naive N-d
// direct loop (groups, dilation, stride, every padding form turned into
// per-side pairs here) written in float64, a naive scatter loop for transposed convolution, naive im2col for
// unfold/fold and locally connected layers, and tfjs-core (cpu) for conv2d and
// depthwise conv2d, forward and gradients.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the tfjs gradients used below
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Padding,
  tensor,
  tidy,
  grads,
  sum,
  mul,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  unfold,
  fold,
  locallyConnected2d,
  tiledConv2d,
} from '@gradstream/core';
import { convCaseArb, tensorArb, type ConvCase } from '@gradstream/core/testing';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol * (1 + Math.abs(expected[i]!))))
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Lifts 1-D and 2-D geometry to 3-D with unit leading dims, so one loop nest serves every rank. */
function lift<T>(list: readonly T[], fill: T): T[] {
  return [...new Array<T>(3 - list.length).fill(fill), ...list];
}

/** Any padding form as [before, after] pairs, by PyTorch's rules ('same' at stride 1: d(k−1) in total, the odd one after). */
function pairsOf(p: Padding, kernel: readonly number[], dilation: readonly number[]): [number, number][] {
  if (p === 'valid') return kernel.map(() => [0, 0]);
  if (p === 'same')
    return kernel.map((k, i) => {
      const t = dilation[i]! * (k - 1);
      return [Math.floor(t / 2), t - Math.floor(t / 2)];
    });
  if (typeof p === 'number') return kernel.map(() => [p, p]);
  return p.map((e): [number, number] => (typeof e === 'number' ? [e, e] : [e[0], e[1]]));
}

/** floor((n + pb + pa − d(k−1) − 1)/s) + 1 */
const outLen = (n: number, k: number, s: number, pb: number, pa: number, d: number) =>
  Math.floor((n + pb + pa - d * (k - 1) - 1) / s) + 1;

/** Naive N-d cross-correlation with groups, in float64. x: N×C×spatial, w: O×(C/groups)×kernel. */
function naiveConv(
  xShape: number[],
  x: ArrayLike<number>,
  wShape: number[],
  w: ArrayLike<number>,
  stride: number[],
  dilation: number[],
  padding: [number, number][],
  groups: number,
): { shape: number[]; values: Float64Array } {
  const [N, C] = xShape as [number, number];
  const O = wShape[0]!;
  const cg = C / groups,
    og = O / groups;
  const sp = lift(xShape.slice(2), 1),
    ks = lift(wShape.slice(2), 1);
  const st = lift(stride, 1),
    dl = lift(dilation, 1),
    pd = lift(padding, [0, 0] as [number, number]);
  const os = sp.map((n, i) => outLen(n, ks[i]!, st[i]!, pd[i]![0], pd[i]![1], dl[i]!));
  const out = new Float64Array(N * O * sizeOf(os));
  let oi = 0;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / og);
      for (let a = 0; a < os[0]!; a++)
        for (let b = 0; b < os[1]!; b++)
          for (let c = 0; c < os[2]!; c++) {
            let s = 0;
            for (let ci = 0; ci < cg; ci++) {
              const cin = g * cg + ci;
              for (let ka = 0; ka < ks[0]!; ka++) {
                const ia = a * st[0]! - pd[0]![0] + ka * dl[0]!;
                if (ia < 0 || ia >= sp[0]!) continue;
                for (let kb = 0; kb < ks[1]!; kb++) {
                  const ib = b * st[1]! - pd[1]![0] + kb * dl[1]!;
                  if (ib < 0 || ib >= sp[1]!) continue;
                  for (let kc = 0; kc < ks[2]!; kc++) {
                    const ic = c * st[2]! - pd[2]![0] + kc * dl[2]!;
                    if (ic < 0 || ic >= sp[2]!) continue;
                    const xv = x[(((n * C + cin) * sp[0]! + ia) * sp[1]! + ib) * sp[2]! + ic]!;
                    const wv = w[(((o * cg + ci) * ks[0]! + ka) * ks[1]! + kb) * ks[2]! + kc]!;
                    s += xv * wv;
                  }
                }
              }
            }
            out[oi++] = s;
          }
    }
  return { shape: [N, O, ...os.slice(3 - (xShape.length - 2))], values: out };
}

/** Naive transposed convolution (scatter form, PyTorch semantics). w: Cin×(Cout/groups)×kernel. */
function naiveConvTranspose(
  xShape: number[],
  x: ArrayLike<number>,
  wShape: number[],
  w: ArrayLike<number>,
  stride: number[],
  dilation: number[],
  padding: number[],
  outputPadding: number[],
  groups: number,
): { shape: number[]; values: Float64Array } {
  const [N, Cin] = xShape as [number, number];
  const og = wShape[1]!,
    cg = Cin / groups,
    Cout = og * groups;
  const rank = xShape.length - 2;
  const sp = lift(xShape.slice(2), 1),
    ks = lift(wShape.slice(2), 1);
  const st = lift(stride, 1),
    dl = lift(dilation, 1),
    pd = lift(padding, 0),
    op = lift(outputPadding, 0);
  const os = sp.map((n, i) => (n - 1) * st[i]! - 2 * pd[i]! + dl[i]! * (ks[i]! - 1) + op[i]! + 1);
  const out = new Float64Array(N * Cout * sizeOf(os));
  for (let n = 0; n < N; n++)
    for (let ci = 0; ci < Cin; ci++) {
      const g = Math.floor(ci / cg);
      for (let a = 0; a < sp[0]!; a++)
        for (let b = 0; b < sp[1]!; b++)
          for (let c = 0; c < sp[2]!; c++) {
            const xv = x[(((n * Cin + ci) * sp[0]! + a) * sp[1]! + b) * sp[2]! + c]!;
            for (let co = 0; co < og; co++)
              for (let ka = 0; ka < ks[0]!; ka++)
                for (let kb = 0; kb < ks[1]!; kb++)
                  for (let kc = 0; kc < ks[2]!; kc++) {
                    const ya = a * st[0]! - pd[0]! + ka * dl[0]!,
                      yb = b * st[1]! - pd[1]! + kb * dl[1]!,
                      yc = c * st[2]! - pd[2]! + kc * dl[2]!;
                    if (ya < 0 || ya >= os[0]! || yb < 0 || yb >= os[1]! || yc < 0 || yc >= os[2]!) continue;
                    const wv = w[(((ci * og + co) * ks[0]! + ka) * ks[1]! + kb) * ks[2]! + kc]!;
                    out[(((n * Cout + g * og + co) * os[0]! + ya) * os[1]! + yb) * os[2]! + yc]! += xv * wv;
                  }
          }
    }
  return { shape: [N, Cout, ...os.slice(3 - rank)], values: out };
}

/** Naive im2col: N×(C·∏k)×L, column index c then kernel offsets row-major, positions row-major; outside reads 0. */
function naiveUnfold(
  xShape: number[],
  x: ArrayLike<number>,
  kernel: number[],
  stride: number[],
  dilation: number[],
  padding: number[],
): { shape: number[]; values: Float64Array } {
  const [N, C] = xShape as [number, number];
  const sp = lift(xShape.slice(2), 1),
    ks = lift(kernel, 1),
    st = lift(stride, 1),
    dl = lift(dilation, 1),
    pd = lift(padding, 0);
  const os = sp.map((n, i) => outLen(n, ks[i]!, st[i]!, pd[i]!, pd[i]!, dl[i]!));
  const K = sizeOf(ks),
    L = sizeOf(os);
  const out = new Float64Array(N * C * K * L);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let ka = 0; ka < ks[0]!; ka++)
        for (let kb = 0; kb < ks[1]!; kb++)
          for (let kc = 0; kc < ks[2]!; kc++) {
            const row = c * K + (ka * ks[1]! + kb) * ks[2]! + kc;
            for (let a = 0; a < os[0]!; a++)
              for (let b = 0; b < os[1]!; b++)
                for (let cc = 0; cc < os[2]!; cc++) {
                  const ia = a * st[0]! - pd[0]! + ka * dl[0]!,
                    ib = b * st[1]! - pd[1]! + kb * dl[1]!,
                    ic = cc * st[2]! - pd[2]! + kc * dl[2]!;
                  if (ia < 0 || ia >= sp[0]! || ib < 0 || ib >= sp[1]! || ic < 0 || ic >= sp[2]!) continue;
                  const l = (a * os[1]! + b) * os[2]! + cc;
                  out[(n * C * K + row) * L + l] = x[(((n * C + c) * sp[0]! + ia) * sp[1]! + ib) * sp[2]! + ic]!;
                }
          }
  return { shape: [N, C * K, L], values: out };
}

const caseTensors = (c: ConvCase) => fc.tuple(fc.constant(c), tensorArb(c.xShape), tensorArb(c.wShape));
const convFns = { 1: conv1d, 2: conv2d, 3: conv3d } as const;
const convTFns = { 1: convTranspose1d, 2: convTranspose2d, 3: convTranspose3d } as const;

describe('conv1d/2d/3d forward equals a naive direct loop', () => {
  for (const rank of [1, 2, 3] as const) {
    it(`conv${rank}d: random kernel, stride, padding in every form, dilation, groups`, () => {
      fc.assert(
        fc.property(convCaseArb({ rank, maxChannels: 3, maxBatch: 2 }).chain(caseTensors), ([c, xs, ws]) =>
          tidy(() => {
            const y = convFns[rank](xs.make(), ws.make(), {
              stride: c.stride,
              padding: c.paddingArg,
              dilation: c.dilation,
              groups: c.groups,
            });
            const want = naiveConv(
              c.xShape,
              xs.values,
              c.wShape,
              ws.values,
              c.stride,
              c.dilation,
              pairsOf(c.paddingArg, c.wShape.slice(2), c.dilation),
              c.groups,
            );
            expect(y.shape).toEqual(want.shape);
            expectAllClose(y.dataSync(), want.values, 1e-12);
          }),
        ),
        { numRuns: rank === 3 ? 25 : 50 },
      );
    });
  }

  it('float32 inputs agree with the float64 reference to float32 rounding (1-D/2-D/3-D)', () => {
    fc.assert(
      fc.property(convCaseArb({ maxChannels: 3 }).chain(caseTensors), ([c, xs, ws]) =>
        tidy(() => {
          const x32 = Float32Array.from(xs.values),
            w32 = Float32Array.from(ws.values);
          const y = convFns[c.rank](tensor(x32, c.xShape), tensor(w32, c.wShape), {
            stride: c.stride,
            padding: c.paddingArg,
            dilation: c.dilation,
            groups: c.groups,
          });
          expect(y.dtype).toBe('float32');
          expectAllClose(
            y.dataSync(),
            naiveConv(
              c.xShape,
              x32,
              c.wShape,
              w32,
              c.stride,
              c.dilation,
              pairsOf(c.paddingArg, c.wShape.slice(2), c.dilation),
              c.groups,
            ).values,
            1e-5,
          );
        }),
      ),
      { numRuns: 30 },
    );
  });

  it("symmetric numeric padding, 'valid' and 'same' (stride 1) and bias", () => {
    fc.assert(
      fc.property(
        convCaseArb({ rank: 2 })
          .map((c) => ({ ...c, stride: [1, 1] }))
          .chain(caseTensors),
        fc.integer({ min: 0, max: 2 }),
        ([c, xs, ws], p) =>
          tidy(() => {
            const x = xs.make(),
              w = ws.make();
            const o = c.wShape[0]!;
            const bias = tensor(
              Float64Array.from({ length: o }, (_, i) => i - 0.5),
              [o],
              'float64',
            );
            const ySame = conv2d(x, w, { padding: 'same', dilation: c.dilation, groups: c.groups, bias });
            expect(ySame.shape.slice(2)).toEqual(c.xShape.slice(2));
            const wantSame = naiveConv(
              c.xShape,
              xs.values,
              c.wShape,
              ws.values,
              [1, 1],
              c.dilation,
              pairsOf('same', c.wShape.slice(2), c.dilation),
              c.groups,
            );
            const hw = sizeOf(wantSame.shape.slice(2));
            expectAllClose(
              ySame.dataSync(),
              wantSame.values.map((v, i) => v + (Math.floor(i / hw) % o) - 0.5),
              1e-12,
            );
            if (c.xShape.slice(2).every((n, i) => n >= c.dilation[i]! * (c.wShape[i + 2]! - 1) + 1)) {
              const yValid = conv2d(x, w, { padding: 'valid', dilation: c.dilation, groups: c.groups });
              expectAllClose(
                yValid.dataSync(),
                naiveConv(
                  c.xShape,
                  xs.values,
                  c.wShape,
                  ws.values,
                  [1, 1],
                  c.dilation,
                  [
                    [0, 0],
                    [0, 0],
                  ],
                  c.groups,
                ).values,
                1e-12,
              );
            }
            if (c.xShape.slice(2).every((n, i) => n + 2 * p >= c.dilation[i]! * (c.wShape[i + 2]! - 1) + 1)) {
              const yNum = conv2d(x, w, { padding: p, dilation: c.dilation, groups: c.groups });
              expectAllClose(
                yNum.dataSync(),
                naiveConv(
                  c.xShape,
                  xs.values,
                  c.wShape,
                  ws.values,
                  [1, 1],
                  c.dilation,
                  [
                    [p, p],
                    [p, p],
                  ],
                  c.groups,
                ).values,
                1e-12,
              );
            }
          }),
      ),
      { numRuns: 30 },
    );
  });
});

describe('convTranspose1d/2d/3d forward equals a naive scatter loop', () => {
  const arb = (rank: 1 | 2 | 3) =>
    fc
      .record({
        n: fc.integer({ min: 1, max: 2 }),
        groups: fc.integer({ min: 1, max: 2 }),
        cPer: fc.integer({ min: 1, max: 2 }),
        oPer: fc.integer({ min: 1, max: 2 }),
        dims: fc.array(
          fc
            .record({
              len: fc.integer({ min: 1, max: rank === 3 ? 3 : 5 }),
              k: fc.integer({ min: 1, max: rank === 3 ? 3 : 5 }),
              s: fc.integer({ min: 1, max: 3 }),
              d: fc.integer({ min: 1, max: 3 }),
              p: fc.integer({ min: 0, max: 2 }),
              op: fc.integer({ min: 0, max: 2 }),
            })
            .map((q) => ({ ...q, op: Math.min(q.op, Math.max(q.s, q.d) - 1) }))
            .filter((q) => (q.len - 1) * q.s - 2 * q.p + q.d * (q.k - 1) + q.op + 1 > 0),
          { minLength: rank, maxLength: rank },
        ),
      })
      .chain((q) => {
        const xShape = [q.n, q.groups * q.cPer, ...q.dims.map((d) => d.len)];
        const wShape = [q.groups * q.cPer, q.oPer, ...q.dims.map((d) => d.k)];
        return fc.tuple(fc.constant(q), tensorArb(xShape), tensorArb(wShape));
      });
  for (const rank of [1, 2, 3] as const) {
    it(`convTranspose${rank}d: stride, padding, outputPadding, dilation, groups`, () => {
      fc.assert(
        fc.property(arb(rank), ([q, xs, ws]) =>
          tidy(() => {
            const opts = {
              stride: q.dims.map((d) => d.s),
              padding: q.dims.map((d) => d.p),
              dilation: q.dims.map((d) => d.d),
              outputPadding: q.dims.map((d) => d.op),
              groups: q.groups,
            };
            const y = convTFns[rank](xs.make(), ws.make(), opts);
            const want = naiveConvTranspose(
              [...xs.shape],
              xs.values,
              [...ws.shape],
              ws.values,
              opts.stride,
              opts.dilation,
              opts.padding,
              opts.outputPadding,
              q.groups,
            );
            expect(y.shape).toEqual(want.shape);
            expectAllClose(y.dataSync(), want.values, 1e-12);
          }),
        ),
        { numRuns: rank === 3 ? 20 : 40 },
      );
    });
  }

  // PyTorch accepts outputPadding < max(stride, dilation); with outputPadding ≥ stride the extra
  // output positions receive nothing.
  it('convTranspose1d accepts outputPadding ≥ stride when it is < dilation (PyTorch semantics)', () => {
    tidy(() => {
      const y = convTranspose1d(
        tensor(new Float64Array([3]), [1, 1, 1], 'float64'),
        tensor(new Float64Array([2]), [1, 1, 1], 'float64'),
        { stride: 1, dilation: 2, outputPadding: 1 },
      );
      expect(Array.from(y.dataSync())).toEqual([6, 0]);
    });
  });
});

describe('unfold and fold', () => {
  const arb = (rank: 1 | 2 | 3) =>
    fc
      .record({
        n: fc.integer({ min: 1, max: 2 }),
        c: fc.integer({ min: 1, max: 2 }),
        dims: fc.array(
          fc.record({
            k: fc.integer({ min: 1, max: rank === 3 ? 3 : 5 }),
            s: fc.integer({ min: 1, max: 3 }),
            d: fc.integer({ min: 1, max: rank === 3 ? 2 : 3 }),
            p: fc.integer({ min: 0, max: 2 }),
            extra: fc.integer({ min: 0, max: 3 }),
          }),
          { minLength: rank, maxLength: rank },
        ),
      })
      .chain((q) => {
        const xShape = [q.n, q.c, ...q.dims.map((d) => Math.max(1, d.d * (d.k - 1) + 1 - 2 * d.p) + d.extra)];
        return fc.tuple(fc.constant(q), tensorArb(xShape));
      });
  for (const rank of [1, 2, 3] as const) {
    it(`unfold ${rank}-D equals naive im2col; fold is its adjoint (⟨unfold x, y⟩ = ⟨x, fold y⟩)`, () => {
      fc.assert(
        fc.property(arb(rank), ([q, xs]) =>
          tidy(() => {
            const kernel = q.dims.map((d) => d.k),
              stride = q.dims.map((d) => d.s),
              dilation = q.dims.map((d) => d.d),
              padding = q.dims.map((d) => d.p);
            const x = xs.make();
            const cols = unfold(x, kernel, { stride, dilation, padding });
            const want = naiveUnfold([...xs.shape], xs.values, kernel, stride, dilation, padding);
            expect(cols.shape).toEqual(want.shape);
            expectAllClose(cols.dataSync(), want.values, 0);
            const yv = Float64Array.from({ length: cols.size }, (_, i) => Math.sin(i + 1));
            const y = tensor(yv, cols.shape, 'float64');
            const folded = fold(y, xs.shape.slice(2), kernel, { stride, dilation, padding });
            expect(folded.shape).toEqual(xs.shape);
            const lhs = want.values.reduce((a, v, i) => a + v * yv[i]!, 0);
            const fv = folded.dataSync();
            const rhs = xs.values.reduce((a, v, i) => a + v * fv[i]!, 0);
            expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10 * (1 + Math.abs(lhs)));
          }),
        ),
        { numRuns: 30 },
      );
    });
  }
});

describe('locally connected and tiled convolution equal naive loops', () => {
  it('locallyConnected2d: every output position has its own kernel (and unshared bias)', () => {
    const arb = fc
      .record({
        n: fc.integer({ min: 1, max: 2 }),
        c: fc.integer({ min: 1, max: 2 }),
        o: fc.integer({ min: 1, max: 3 }),
        kh: fc.integer({ min: 1, max: 5 }),
        kw: fc.integer({ min: 1, max: 5 }),
        s: fc.integer({ min: 1, max: 3 }),
        p: fc.integer({ min: 0, max: 2 }),
        eh: fc.integer({ min: 0, max: 3 }),
        ew: fc.integer({ min: 0, max: 3 }),
      })
      .chain((q) => {
        const h = q.kh + q.eh,
          w = q.kw + q.ew;
        const oh = outLen(h, q.kh, q.s, q.p, q.p, 1),
          ow = outLen(w, q.kw, q.s, q.p, q.p, 1);
        return fc.tuple(
          fc.constant({ ...q, h, w, oh, ow }),
          tensorArb([q.n, q.c, h, w]),
          tensorArb([oh * ow, q.o, q.c * q.kh * q.kw]),
          tensorArb([q.o, oh, ow]),
        );
      });
    fc.assert(
      fc.property(arb, ([q, xs, ws, bs]) =>
        tidy(() => {
          const y = locallyConnected2d(xs.make(), ws.make(), [q.kh, q.kw], {
            stride: q.s,
            padding: q.p,
            bias: bs.make(),
          });
          expect(y.shape).toEqual([q.n, q.o, q.oh, q.ow]);
          const want: number[] = [];
          for (let n = 0; n < q.n; n++)
            for (let o = 0; o < q.o; o++)
              for (let i = 0; i < q.oh; i++)
                for (let j = 0; j < q.ow; j++) {
                  let s = bs.values[(o * q.oh + i) * q.ow + j]!;
                  const l = i * q.ow + j;
                  for (let c = 0; c < q.c; c++)
                    for (let a = 0; a < q.kh; a++)
                      for (let b = 0; b < q.kw; b++) {
                        const r = i * q.s - q.p + a,
                          cc = j * q.s - q.p + b;
                        if (r < 0 || r >= q.h || cc < 0 || cc >= q.w) continue;
                        s +=
                          xs.values[((n * q.c + c) * q.h + r) * q.w + cc]! *
                          ws.values[(l * q.o + o) * q.c * q.kh * q.kw + (c * q.kh + a) * q.kw + b]!;
                      }
                  want.push(s);
                }
          expectAllClose(y.dataSync(), want, 1e-12);
        }),
      ),
      { numRuns: 30 },
    );
  });

  it('tiledConv2d: position (i, j) uses kernel (i mod tH, j mod tW)', () => {
    const arb = fc
      .record({
        c: fc.integer({ min: 1, max: 2 }),
        o: fc.integer({ min: 1, max: 2 }),
        k: fc.integer({ min: 1, max: 5 }),
        th: fc.integer({ min: 1, max: 3 }),
        tw: fc.integer({ min: 1, max: 3 }),
        eh: fc.integer({ min: 0, max: 4 }),
        ew: fc.integer({ min: 0, max: 4 }),
      })
      .chain((q) =>
        fc.tuple(
          fc.constant(q),
          tensorArb([1, q.c, q.k + q.eh, q.k + q.ew]),
          tensorArb([q.th, q.tw, q.o, q.c, q.k, q.k]),
        ),
      );
    fc.assert(
      fc.property(arb, ([q, xs, ws]) =>
        tidy(() => {
          const y = tiledConv2d(xs.make(), ws.make(), { tiles: [q.th, q.tw] });
          const h = q.k + q.eh,
            w = q.k + q.ew,
            oh = q.eh + 1,
            ow = q.ew + 1;
          const want: number[] = [];
          for (let o = 0; o < q.o; o++)
            for (let i = 0; i < oh; i++)
              for (let j = 0; j < ow; j++) {
                let s = 0;
                for (let c = 0; c < q.c; c++)
                  for (let a = 0; a < q.k; a++)
                    for (let b = 0; b < q.k; b++) {
                      s +=
                        xs.values[(c * h + i + a) * w + j + b]! *
                        ws.values[((((i % q.th) * q.tw + (j % q.tw)) * q.o + o) * q.c + c) * q.k * q.k + a * q.k + b]!;
                    }
                want.push(s);
              }
          expectAllClose(y.dataSync(), want, 1e-12);
        }),
      ),
      { numRuns: 30 },
    );
  });
});

describe('conv2d equals tfjs-core (NHWC ↔ NCHW), forward and gradients', () => {
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
  /** OIHW → HWIO */
  const toHWIO = (v: ArrayLike<number>, [o, i, kh, kw]: number[]) => {
    const out = new Float32Array(v.length);
    for (let a = 0; a < o!; a++)
      for (let b = 0; b < i!; b++)
        for (let r = 0; r < kh!; r++)
          for (let s = 0; s < kw!; s++) out[((r * kw! + s) * i! + b) * o! + a] = v[((a * i! + b) * kh! + r) * kw! + s]!;
    return out;
  };
  const fromHWIO = (v: ArrayLike<number>, [o, i, kh, kw]: number[]) => {
    const out = new Float64Array(v.length);
    for (let a = 0; a < o!; a++)
      for (let b = 0; b < i!; b++)
        for (let r = 0; r < kh!; r++)
          for (let s = 0; s < kw!; s++) out[((a * i! + b) * kh! + r) * kw! + s] = v[((r * kw! + s) * i! + b) * o! + a]!;
    return out;
  };

  it('groups = 1: stride, padding in every form, dilation (tfjs: stride or dilation must be 1; gradients for dilation 1 only)', () => {
    const arb = convCaseArb({ rank: 2, maxChannels: 3 })
      .map((c) => ({
        ...c,
        groups: 1,
        xShape: [c.xShape[0]!, c.wShape[1]!, ...c.xShape.slice(2)],
        wShape: [c.wShape[0]! / c.groups, c.wShape[1]!, ...c.wShape.slice(2)],
      }))
      .map((c) => (c.stride.some((s) => s > 1) ? { ...c, dilation: [1, 1] } : c))
      .chain((c) => fc.tuple(fc.constant(c), tensorArb(c.xShape), tensorArb(c.wShape)));
    fc.assert(
      fc.property(arb, ([c, xs, ws]) =>
        tidy(() => {
          const x32 = Float32Array.from(xs.values),
            w32 = Float32Array.from(ws.values);
          const x = tensor(x32, c.xShape),
            w = tensor(w32, c.wShape);
          const opts = { stride: c.stride, padding: c.paddingArg, dilation: c.dilation };
          const y = conv2d(x, w, opts);
          const [n, ch, h, wd] = c.xShape as [number, number, number, number];
          const tx = tf.tensor4d(toNHWC(x32, c.xShape), [n, h, wd, ch]);
          const tw = tf.tensor4d(toHWIO(w32, c.wShape), [c.wShape[2]!, c.wShape[3]!, c.wShape[1]!, c.wShape[0]!]);
          const pairs = pairsOf(c.paddingArg, c.wShape.slice(2), c.dilation);
          const pad = [[0, 0], pairs[0]!, pairs[1]!, [0, 0]] as [
            [number, number],
            [number, number],
            [number, number],
            [number, number],
          ];
          const conv = (a: tf.Tensor4D, b: tf.Tensor4D) =>
            tf.conv2d(a, b, c.stride as [number, number], pad, 'NHWC', c.dilation as [number, number]);
          const ty = conv(tx, tw);
          const [, oh, ow, oc] = ty.shape;
          expect(y.shape).toEqual([n, oc, oh, ow]);
          expectAllClose(y.dataSync(), fromNHWC(ty.dataSync(), y.shape as number[]), 1e-5);
          if (c.dilation.every((d) => d === 1)) {
            // gradients of Σ y ⊙ r for a fixed r
            const r = Float32Array.from({ length: y.size }, (_, i) => Math.cos(i));
            const rg = tensor(r, y.shape);
            const [dx, dw] = grads((a, b) => sum(mul(conv2d(a, b, opts), rg)))(x, w);
            const tr = tf.tensor4d(toNHWC(r, y.shape as number[]), ty.shape);
            const [tdx, tdw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), tr)),
            )([tx, tw]);
            expectAllClose(dx!.dataSync(), fromNHWC(tdx!.dataSync(), c.xShape), 1e-4);
            expectAllClose(dw!.dataSync(), fromHWIO(tdw!.dataSync(), c.wShape), 1e-4);
            tf.dispose([tr, tdx!, tdw!]);
          }
          tf.dispose([tx, tw, ty]);
        }),
      ),
      { numRuns: 30 },
    );
  });

  it('depthwise (groups = C, channel multiplier m) equals tfjs depthwiseConv2d', () => {
    const arb = fc
      .record({
        n: fc.integer({ min: 1, max: 2 }),
        c: fc.integer({ min: 1, max: 3 }),
        m: fc.integer({ min: 1, max: 2 }),
        k: fc.integer({ min: 1, max: 3 }),
        s: fc.integer({ min: 1, max: 2 }),
        eh: fc.integer({ min: 0, max: 4 }),
        ew: fc.integer({ min: 0, max: 4 }),
      })
      .chain((q) =>
        fc.tuple(fc.constant(q), tensorArb([q.n, q.c, q.k + q.eh, q.k + q.ew]), tensorArb([q.c * q.m, 1, q.k, q.k])),
      );
    fc.assert(
      fc.property(arb, ([q, xs, ws]) =>
        tidy(() => {
          const x32 = Float32Array.from(xs.values),
            w32 = Float32Array.from(ws.values);
          const y = conv2d(tensor(x32, xs.shape), tensor(w32, ws.shape), { stride: q.s, groups: q.c });
          const h = q.k + q.eh,
            w = q.k + q.ew;
          const tx = tf.tensor4d(toNHWC(x32, [...xs.shape]), [q.n, h, w, q.c]);
          // gradstream filter [c·m + j, 0, r, s] ↔ tfjs depthwise filter [r, s, c, j]
          const tfw = new Float32Array(w32.length);
          for (let c = 0; c < q.c; c++)
            for (let j = 0; j < q.m; j++)
              for (let r = 0; r < q.k; r++)
                for (let s = 0; s < q.k; s++)
                  tfw[((r * q.k + s) * q.c + c) * q.m + j] = w32[((c * q.m + j) * q.k + r) * q.k + s]!;
          const tw = tf.tensor4d(tfw, [q.k, q.k, q.c, q.m]);
          const ty = tf.depthwiseConv2d(tx, tw, q.s, 'valid');
          expect(y.shape).toEqual([q.n, q.c * q.m, ty.shape[1], ty.shape[2]]);
          expectAllClose(y.dataSync(), fromNHWC(ty.dataSync(), y.shape as number[]), 1e-5);
          tf.dispose([tx, tw, ty]);
        }),
      ),
      { numRuns: 25 },
    );
  });
});
