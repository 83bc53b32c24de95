import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, it } from 'vitest';
import { backend, expectClose, forEachIndex, put, randomValues, ravel, take } from './helpers.js';

/** Reorders a row-major array of `shape` by `perm` (output dim i = input dim perm[i]). */
function permute(values: ArrayLike<number>, shape: number[], perm: number[]): number[] {
  const outShape = perm.map((p) => shape[p]!);
  const out: number[] = [];
  forEachIndex(outShape, (index) => {
    const src = new Array<number>(shape.length);
    perm.forEach((p, i) => {
      src[p] = index[i]!;
    });
    out.push(values[ravel(src, shape)]!);
  });
  return out;
}

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];

/** A 2-D case: NCHW input, padding per side, stride or dilation (tfjs does not take both at once). */
const case2d = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  c: fc.integer({ min: 1, max: 4 }),
  o: fc.integer({ min: 1, max: 4 }),
  h: fc.integer({ min: 3, max: 9 }),
  w: fc.integer({ min: 3, max: 9 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  dilate: fc.boolean(),
  pad: fc.tuple(fc.nat(1), fc.nat(1), fc.nat(1), fc.nat(1)),
  seed: fc.nat(),
});
type Case2d = typeof case2d extends fc.Arbitrary<infer T> ? T : never;

function geometryOf(k: Case2d) {
  const dilation = k.dilate ? [2, 2] : [1, 1];
  const stride = k.dilate ? [1, 1] : k.stride;
  const [t, b, l, r] = k.pad;
  const padding = [
    [t, b],
    [l, r],
  ] as const;
  const out = (size: number, kernel: number, i: number) =>
    Math.floor((size + padding[i]![0] + padding[i]![1] - dilation[i]! * (kernel - 1) - 1) / stride[i]!) + 1;
  return { stride, dilation, padding, outShape: [out(k.h, k.kh, 0), out(k.w, k.kw, 1)] };
}

/** Runs a tfjs op on the NHWC view of x and returns its result as NCHW. */
function viaTf(xv: number[], xShape: number[], run: (x: tf.Tensor4D) => tf.Tensor4D): number[] {
  const x = tf.tensor4d(
    permute(xv, xShape, NCHW_TO_NHWC),
    NCHW_TO_NHWC.map((p) => xShape[p]!) as [number, number, number, number],
    'float32',
  );
  const y = run(x);
  const result = permute(y.dataSync(), y.shape, NHWC_TO_NCHW);
  tf.dispose([x, y]);
  return result;
}

describe('agreement with TensorFlow.js (cpu backend, float32)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('conv2d', () => {
    fc.assert(
      fc.property(case2d, (k) => {
        const g = geometryOf(k);
        if (g.outShape.some((d) => d < 1)) return;
        const xShape = [k.n, k.c, k.h, k.w];
        const wShape = [k.o, k.c, k.kh, k.kw];
        const xv = randomValues(k.n * k.c * k.h * k.w, k.seed);
        const wv = randomValues(k.o * k.c * k.kh * k.kw, k.seed + 1);
        const hwio = tf.tensor4d(permute(wv, wShape, [2, 3, 1, 0]), [k.kh, k.kw, k.c, k.o]);
        const expected = viaTf(xv, xShape, (x) =>
          tf.conv2d(
            x,
            hwio,
            g.stride as [number, number],
            [[0, 0], [...g.padding[0]], [...g.padding[1]], [0, 0]],
            'NHWC',
            g.dilation as [number, number],
          ),
        );
        hwio.dispose();
        const x = put(xv, xShape, 'float32');
        const w = put(wv, wShape, 'float32');
        expectClose(take(backend.conv(x, w, { ...g, groups: 1 })), expected, 'float32');
        take(x);
        take(w);
      }),
      { numRuns: 30 },
    );
  });

  it('depthwise conv2d (groups = channels, channel multiplier)', () => {
    fc.assert(
      fc.property(case2d, fc.integer({ min: 1, max: 2 }), (k, multiplier) => {
        const g = geometryOf(k);
        if (g.outShape.some((d) => d < 1)) return;
        const xShape = [k.n, k.c, k.h, k.w];
        const wShape = [k.c * multiplier, 1, k.kh, k.kw];
        const xv = randomValues(k.n * k.c * k.h * k.w, k.seed);
        const wv = randomValues(k.c * multiplier * k.kh * k.kw, k.seed + 1);
        // PyTorch output channel c·multiplier + m is tfjs filter [kh, kw, c, m].
        const filter = tf.tensor4d(permute(wv, wShape, [2, 3, 0, 1]), [k.kh, k.kw, k.c, multiplier]);
        const expected = viaTf(xv, xShape, (x) =>
          tf.depthwiseConv2d(
            x,
            filter,
            g.stride as [number, number],
            [[0, 0], [...g.padding[0]], [...g.padding[1]], [0, 0]],
            'NHWC',
            g.dilation as [number, number],
          ),
        );
        filter.dispose();
        const x = put(xv, xShape, 'float32');
        const w = put(wv, wShape, 'float32');
        expectClose(take(backend.conv(x, w, { ...g, groups: k.c })), expected, 'float32');
        take(x);
        take(w);
      }),
      { numRuns: 20 },
    );
  });

  it('maxPool and avgPool (tfjs averages over in-input positions only: countIncludePad false)', () => {
    fc.assert(
      fc.property(case2d, (k) => {
        const g = { ...geometryOf({ ...k, dilate: false }), kernel: [k.kh, k.kw] };
        // tfjs needs each window to reach the input; padding of at most half the kernel guarantees it.
        const padding = g.padding.map(
          ([b, a], i) =>
            [Math.min(b, Math.floor(g.kernel[i]! / 2)), Math.min(a, Math.floor(g.kernel[i]! / 2))] as const,
        );
        const outShape = padding.map(
          ([b, a], i) => Math.floor(([k.h, k.w][i]! + b + a - g.kernel[i]!) / g.stride[i]!) + 1,
        );
        const geometry = { kernel: g.kernel, stride: g.stride, dilation: [1, 1], padding, outShape };
        const xShape = [k.n, k.c, k.h, k.w];
        const xv = randomValues(k.n * k.c * k.h * k.w, k.seed);
        const tfPad = [[0, 0], [...padding[0]!], [...padding[1]!], [0, 0]] as [
          [number, number],
          [number, number],
          [number, number],
          [number, number],
        ];
        const strides = g.stride as [number, number];
        const maxExpected = viaTf(xv, xShape, (x) => tf.maxPool(x, [k.kh, k.kw], strides, tfPad));
        const avgExpected = viaTf(xv, xShape, (x) => tf.avgPool(x, [k.kh, k.kw], strides, tfPad));
        const x = put(xv, xShape, 'float32');
        const { y, indices } = backend.maxPool(x, geometry);
        take(indices);
        expectClose(take(y), maxExpected, 'float32');
        expectClose(take(backend.avgPool(x, { ...geometry, countIncludePad: false })), avgExpected, 'float32');
        take(x);
      }),
      { numRuns: 30 },
    );
  });
});
