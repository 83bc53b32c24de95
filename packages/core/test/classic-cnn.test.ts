// The classic textbook facts about convolution and pooling (Goodfellow,
// Bengio & Courville ch. 9; the Coursera/Stanford CNN examples), as tests.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  tensor,
  tidy,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  maxPool1d,
  maxPool2d,
  avgPool2d,
  tiledConv2d,
  locallyConnected2d,
  maxout,
  adaptiveAvgPool2d,
  convOutputSize,
  reshape,
  concat,
  neg,
  abs,
  ShapeError,
} from '@gradstream/core';
import { convCaseArb, tensorArb } from '@gradstream/core/testing';

const f64 = (values: number[], shape: number[]) => tensor(Float64Array.from(values), shape, 'float64');

describe('convolution is equivariant to translation', () => {
  it('shifting the input by one pixel shifts the output by one pixel (away from the borders)', () => {
    const arb = fc
      .record({
        c: fc.integer({ min: 1, max: 2 }),
        o: fc.integer({ min: 1, max: 2 }),
        k: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 7, max: 9 }),
        w: fc.integer({ min: 7, max: 9 }),
        dy: fc.constantFrom(0, 1),
        dilation: fc.integer({ min: 1, max: 2 }),
      })
      .chain((q) => fc.tuple(fc.constant(q), tensorArb([1, q.c, q.h + 1, q.w + 1]), tensorArb([q.o, q.c, q.k, q.k])));
    fc.assert(
      fc.property(arb, ([q, big, ws]) =>
        tidy(() => {
          // x = crop of the big image at (0, 0); shifted = crop at (dy, 1 − dy): the same scene moved by one pixel
          const crop = (r0: number, c0: number) => {
            const v: number[] = [];
            for (let c = 0; c < q.c; c++)
              for (let i = 0; i < q.h; i++)
                for (let j = 0; j < q.w; j++) v.push(big.values[(c * (q.h + 1) + i + r0) * (q.w + 1) + j + c0]!);
            return f64(v, [1, q.c, q.h, q.w]);
          };
          const dr = q.dy,
            dc = 1 - q.dy;
          const w = ws.make();
          const opts = { padding: 'same' as const, dilation: q.dilation };
          const y = conv2d(crop(0, 0), w, opts).dataSync();
          const ys = conv2d(crop(dr, dc), w, opts).dataSync();
          const border = Math.ceil((q.dilation * (q.k - 1)) / 2) + 1;
          let compared = 0;
          for (let o = 0; o < q.o; o++)
            for (let i = border; i < q.h - border; i++)
              for (let j = border; j < q.w - border; j++) {
                // shifted(i, j) = original(i + dr, j + dc)
                expect(ys[(o * q.h + i) * q.w + j]).toBeCloseTo(y[(o * q.h + i + dr) * q.w + j + dc]!, 12);
                compared++;
              }
          expect(compared).toBeGreaterThan(0);
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('the same holds for conv1d and conv3d along every axis', () => {
    tidy(() => {
      const sig = Array.from({ length: 12 }, (_, i) => Math.sin(i * 0.9) + i * 0.1);
      const k = f64([0.5, -1, 2], [1, 1, 3]);
      const a = conv1d(f64(sig.slice(0, 11), [1, 1, 11]), k).dataSync();
      const b = conv1d(f64(sig.slice(1, 12), [1, 1, 11]), k).dataSync();
      for (let i = 0; i + 1 < a.length; i++) expect(b[i]).toBeCloseTo(a[i + 1]!, 12);
      const vol = Array.from({ length: 5 * 5 * 6 }, (_, i) => Math.cos(i * 0.37));
      const cut = (d0: number) =>
        f64(
          Array.from(
            { length: 5 * 5 * 5 },
            (_, i) => vol[Math.floor(i / 25) * 30 + ((i % 25) % 5) + d0 + Math.floor((i % 25) / 5) * 6]!,
          ),
          [1, 1, 5, 5, 5],
        );
      const k3 = f64(
        Array.from({ length: 8 }, (_, i) => i - 3.5),
        [1, 1, 2, 2, 2],
      );
      const p = conv3d(cut(0), k3).dataSync();
      const s = conv3d(cut(1), k3).dataSync();
      for (let d = 0; d < 4; d++)
        for (let h = 0; h < 4; h++)
          for (let w = 0; w < 3; w++) expect(s[(d * 4 + h) * 4 + w]).toBeCloseTo(p[(d * 4 + h) * 4 + w + 1]!, 12);
    });
  });
});

describe('max pooling is approximately invariant to small translations', () => {
  it('Goodfellow fig. 9.8: the detector row changes everywhere, the pooled row in only half its places', () => {
    tidy(() => {
      const pool = (v: number[]) => Array.from(maxPool1d(f64(v, [1, 1, 4]), 3, { stride: 1, padding: 1 }).dataSync());
      expect(pool([0.1, 1, 0.2, 0.1])).toEqual([1, 1, 1, 0.2]);
      expect(pool([0.3, 0.1, 1, 0.2])).toEqual([0.3, 1, 1, 1]);
    });
  });

  it('on images of sparse strong peaks, a one-pixel shift changes every input but leaves most pooled outputs unchanged', () => {
    // rows: a weak background of distinct values in [0, 0.5) and a strong peak in [1, 2] every third pixel
    const arb = fc
      .record({
        h: fc.integer({ min: 1, max: 4 }),
        w: fc.integer({ min: 9, max: 15 }),
        phase: fc.integer({ min: 0, max: 2 }),
      })
      .chain((q) =>
        fc.tuple(
          fc.constant(q),
          fc
            .uniqueArray(fc.integer({ min: 0, max: 490 }), { minLength: q.h * (q.w + 1), maxLength: q.h * (q.w + 1) })
            .map((v) => v.map((i) => i / 1000)),
          fc.array(fc.double({ min: 1, max: 2, noNaN: true }), {
            minLength: q.h * (q.w + 1),
            maxLength: q.h * (q.w + 1),
          }),
        ),
      );
    fc.assert(
      fc.property(arb, ([q, noise, peaks]) =>
        tidy(() => {
          const W = q.w + 1;
          const scene = noise.map((v, i) => ((i % W) % 3 === q.phase ? peaks[i]! : v));
          const crop = (c0: number) =>
            f64(
              Array.from({ length: q.h * q.w }, (_, i) => scene[Math.floor(i / q.w) * W + (i % q.w) + c0]!),
              [1, 1, q.h, q.w],
            );
          const x = crop(1),
            shifted = crop(0); // shifted = x moved one pixel to the right
          const xv = x.dataSync(),
            sv = shifted.dataSync();
          const inputsChanged = xv.filter((v, i) => v !== sv[i]).length;
          const y = maxPool2d(x, [1, 3], { stride: 1 }).dataSync();
          const ys = maxPool2d(shifted, [1, 3], { stride: 1 }).dataSync();
          const unchanged = y.filter((v, i) => v === ys[i]).length;
          expect(inputsChanged).toBe(xv.length);
          expect(unchanged).toBeGreaterThanOrEqual(0.5 * y.length);
        }),
      ),
      { numRuns: 40 },
    );
  });
});

describe('tiled convolution interpolates between convolution and locally connected layers', () => {
  const arb = fc.record({
    c: fc.integer({ min: 1, max: 2 }),
    o: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 3 }),
    eh: fc.integer({ min: 0, max: 3 }),
    ew: fc.integer({ min: 0, max: 3 }),
    n: fc.integer({ min: 1, max: 2 }),
  });
  it('t = 1 is ordinary convolution', () => {
    fc.assert(
      fc.property(
        arb.chain((q) =>
          fc.tuple(fc.constant(q), tensorArb([q.n, q.c, q.k + q.eh, q.k + q.ew]), tensorArb([q.o, q.c, q.k, q.k])),
        ),
        ([q, xs, ws]) =>
          tidy(() => {
            const x = xs.make(),
              w = ws.make();
            const tiled = tiledConv2d(x, reshape(w, [1, 1, q.o, q.c, q.k, q.k]), { tiles: 1 });
            const conv = conv2d(x, w);
            expect(tiled.shape).toEqual(conv.shape);
            const a = tiled.dataSync(),
              b = conv.dataSync();
            b.forEach((v, i) => {
              expect(a[i]).toBeCloseTo(v, 12);
            });
          }),
      ),
      { numRuns: 30 },
    );
  });
  it('t = output size is locally connected (every position its own kernel)', () => {
    fc.assert(
      fc.property(
        arb.chain((q) =>
          fc.tuple(
            fc.constant(q),
            tensorArb([q.n, q.c, q.k + q.eh, q.k + q.ew]),
            tensorArb([q.eh + 1, q.ew + 1, q.o, q.c, q.k, q.k]),
          ),
        ),
        ([q, xs, ws]) =>
          tidy(() => {
            const oh = q.eh + 1,
              ow = q.ew + 1;
            const x = xs.make(),
              w = ws.make();
            const tiled = tiledConv2d(x, w, { tiles: [oh, ow] });
            const local = locallyConnected2d(x, reshape(w, [oh * ow, q.o, q.c * q.k * q.k]), q.k);
            const a = tiled.dataSync(),
              b = local.dataSync();
            expect(tiled.shape).toEqual(local.shape);
            b.forEach((v, i) => {
              expect(a[i]).toBeCloseTo(v, 12);
            });
          }),
      ),
      { numRuns: 30 },
    );
  });
});

describe('worked examples', () => {
  it('vertical edge detection: 6×6 image of 10s (left) and 0s with [[1,0,−1]]×3 gives rows 0 30 30 0', () => {
    tidy(() => {
      const img = f64(
        Array.from({ length: 36 }, (_, i) => (i % 6 < 3 ? 10 : 0)),
        [1, 1, 6, 6],
      );
      const kernel = f64([1, 0, -1, 1, 0, -1, 1, 0, -1], [1, 1, 3, 3]);
      const y = conv2d(img, kernel);
      expect(y.shape).toEqual([1, 1, 4, 4]);
      expect(y.toArray()).toEqual([
        [
          [
            [0, 30, 30, 0],
            [0, 30, 30, 0],
            [0, 30, 30, 0],
            [0, 30, 30, 0],
          ],
        ],
      ]);
      // the mirrored image (0s left, 10s right) gives the negated edge
      const mirrored = f64(
        Array.from({ length: 36 }, (_, i) => (i % 6 < 3 ? 0 : 10)),
        [1, 1, 6, 6],
      );
      expect(Array.from(conv2d(mirrored, kernel).dataSync(), (v) => v + 0)).toEqual(
        new Array(4).fill([0, -30, -30, 0]).flat(),
      );
    });
  });

  it('2×2 max pooling with stride 2 of the 4×4 grid gives 9 7 / 8 6', () => {
    tidy(() => {
      const grid = tensor([
        [
          [
            [2, 2, 7, 3],
            [9, 4, 6, 1],
            [8, 5, 2, 4],
            [3, 1, 2, 6],
          ],
        ],
      ]);
      expect(maxPool2d(grid, 2, { stride: 2 }).toArray()).toEqual([
        [
          [
            [9, 7],
            [8, 6],
          ],
        ],
      ]);
      expect(avgPool2d(grid, 2, { stride: 2 }).toArray()).toEqual([
        [
          [
            [4.25, 4.25],
            [4.25, 3.5],
          ],
        ],
      ]);
    });
  });

  it('maxout over the pieces (x, −x) is |x| (a learned piecewise-linear convex function)', () => {
    fc.assert(
      fc.property(tensorArb([2, 1, 3, 3]), (xs) =>
        tidy(() => {
          const x = xs.make();
          const y = maxout(concat([x, neg(x)], 1), 2);
          expect(Array.from(y.dataSync(), (v) => v + 0)).toEqual(Array.from(abs(x).dataSync(), (v) => v + 0)); // +0 folds −0 into 0
          // pieces are consecutive channels: [a0, a1, b0, b1] → [max(a0, a1), max(b0, b1)]
          const four = f64([1, 5, 7, 2], [1, 4, 1, 1]);
          expect(Array.from(maxout(four, 2).dataSync())).toEqual([5, 7]);
        }),
      ),
      { numRuns: 10 },
    );
  });

  it("adaptiveAvgPool2d follows PyTorch's bins on a non-divisible size (5 → 3: [0,2) [1,4) [3,5))", () => {
    tidy(() => {
      const x = f64([1, 2, 3, 4, 5, 10, 20, 30, 40, 50], [1, 1, 2, 5]);
      expect(adaptiveAvgPool2d(x, [1, 3]).toArray()).toEqual([[[[8.25, 16.5, 24.75]]]]);
      // 7 → 3: [0,3) [2,5) [4,7)
      const r = f64([0, 1, 2, 3, 4, 5, 6], [1, 1, 1, 7]);
      expect(adaptiveAvgPool2d(r, [1, 3]).toArray()).toEqual([[[[1, 3, 5]]]]);
      // divisible sizes agree with plain average pooling, and 1×1 is the global average
      expect(adaptiveAvgPool2d(f64([1, 2, 3, 4], [1, 1, 2, 2]), 1).toArray()).toEqual([[[[2.5]]]]);
    });
  });
});

describe('transposed convolution is the adjoint of convolution: ⟨conv(x, w), y⟩ = ⟨x, convTranspose(y, w)⟩', () => {
  const fns = { 1: [conv1d, convTranspose1d], 2: [conv2d, convTranspose2d], 3: [conv3d, convTranspose3d] } as const;
  it('for random 1-D/2-D/3-D geometry with groups, stride, dilation and symmetric padding', () => {
    const arb = convCaseArb()
      .map((c) => ({ ...c, padding: c.padding.map(([p]) => [p, p] as [number, number]) }))
      .filter((c) =>
        c.xShape.slice(2).every((n, i) => n + 2 * c.padding[i]![0] >= c.dilation[i]! * (c.wShape[i + 2]! - 1) + 1),
      )
      .chain((c) => fc.tuple(fc.constant(c), tensorArb(c.xShape), tensorArb(c.wShape), fc.integer()));
    fc.assert(
      fc.property(arb, ([c, xs, ws, seed]) =>
        tidy(() => {
          const [conv, convT] = fns[c.rank];
          const x = xs.make(),
            w = ws.make();
          const padding = c.padding.map(([p]) => p);
          const y = (conv as typeof conv2d)(x, w, {
            stride: c.stride,
            padding,
            dilation: c.dilation,
            groups: c.groups,
          });
          // outputPadding recovers the input length the stride rounded away
          const outputPadding = c.xShape
            .slice(2)
            .map(
              (n, i) =>
                n -
                ((y.shape[i + 2]! - 1) * c.stride[i]! - 2 * padding[i]! + c.dilation[i]! * (c.wShape[i + 2]! - 1) + 1),
            );
          const yv = Float64Array.from({ length: y.size }, (_, i) => Math.sin(i * 1.7 + seed));
          const r = tensor(yv, y.shape, 'float64');
          const back = (convT as typeof convTranspose2d)(r, w, {
            stride: c.stride,
            padding,
            dilation: c.dilation,
            groups: c.groups,
            outputPadding,
          });
          expect(back.shape).toEqual(c.xShape);
          const yData = Array.from(y.dataSync()),
            bData = back.dataSync();
          const lhs = yData.reduce((a, v, i) => a + v * yv[i]!, 0);
          const rhs = xs.values.reduce((a, v, i) => a + v * bData[i]!, 0);
          expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10 * (1 + Math.abs(lhs)));
        }),
      ),
      { numRuns: 40 },
    );
  });
  it('the classic upsampling example: stride 2 places each input value on a 2× grid', () => {
    tidy(() => {
      const y = convTranspose2d(f64([1, 2, 3, 4], [1, 1, 2, 2]), f64([1, 1, 1, 1], [1, 1, 2, 2]), { stride: 2 });
      expect(y.toArray()).toEqual([
        [
          [
            [1, 1, 2, 2],
            [1, 1, 2, 2],
            [3, 3, 4, 4],
            [3, 3, 4, 4],
          ],
        ],
      ]);
    });
  });
});

describe('convOutputSize', () => {
  it('known sizes: LeNet, AlexNet, ResNet stem, same padding, ceil mode', () => {
    expect(convOutputSize(28, 5, 1, 2, 1)).toBe(28);
    expect(convOutputSize(32, 5, 1, 0, 1)).toBe(28);
    expect(convOutputSize(227, 11, 4, 0, 1)).toBe(55);
    expect(convOutputSize(224, 7, 2, 3, 1)).toBe(112);
    expect(convOutputSize(112, 3, 2, 1, 1)).toBe(56);
    expect(convOutputSize(7, 3, 1, 2, 2)).toBe(7);
    expect(convOutputSize(5, 2, 2, 0, 1)).toBe(2);
    expect(convOutputSize(5, 2, 2, 0, 1, 'pool', true)).toBe(3);
    expect(convOutputSize(4, 3, 2, [1, 0], 1)).toBe(2);
  });
  it('matches floor((n + 2p − d(k−1) − 1)/s) + 1 on random arguments', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        (n, k, s, p, d) => {
          const span = n + 2 * p - d * (k - 1) - 1;
          if (span < 0) expect(() => convOutputSize(n, k, s, p, d)).toThrow(ShapeError);
          else expect(convOutputSize(n, k, s, p, d)).toBe(Math.floor(span / s) + 1);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('an empty output throws a ShapeError that names the op', () => {
    expect(() => convOutputSize(2, 5, 1, 0, 1, 'conv2d')).toThrow(ShapeError);
    expect(() => convOutputSize(2, 5, 1, 0, 1, 'conv2d')).toThrow(/conv2d/);
    expect(() => conv2d(tensor(new Float32Array(4), [1, 1, 2, 2]), tensor(new Float32Array(9), [1, 1, 3, 3]))).toThrow(
      /conv2d.*input size 2.*kernel 3/,
    );
    expect(() => maxPool2d(tensor(new Float32Array(4), [1, 1, 2, 2]), 3)).toThrow(/maxPool2d/);
    expect(() =>
      conv1d(tensor(new Float32Array(3), [1, 1, 3]), tensor(new Float32Array(2), [1, 1, 2]), { dilation: 3 }),
    ).toThrow(/conv1d.*dilation 3/);
  });
});
