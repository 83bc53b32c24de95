// Layout ops: reshape, transpose, slice, concat, stack, split, pad, gather.
// Gradients against finite differences (float64); forward values against
// naive index arithmetic written here and against tfjs-core (cpu).
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Tensor,
  tensor,
  tidy,
  reshape,
  transpose,
  slice,
  concat,
  stack,
  split,
  pad,
  gather,
  expandDims,
  squeeze,
  flatten,
  mul,
  sin,
} from '@gradstream/core';
import { gradcheck, gradgradcheck, tensorArb, shapeArb, type TensorSpec } from '@gradstream/core/testing';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const RUNS = 15;

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}
function ravel(idx: readonly number[], shape: readonly number[]): number {
  const s = stridesOf(shape);
  return idx.reduce((acc, v, d) => acc + v * s[d]!, 0);
}
const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// ---- arbitraries ----
const permArb = (rank: number) =>
  fc.shuffledSubarray(
    Array.from({ length: rank }, (_, i) => i),
    { minLength: rank, maxLength: rank },
  );
const transposeArb = (c = { minRank: 1, maxRank: 4, maxDim: 3 }) =>
  shapeArb(c).chain((s) => fc.tuple(tensorArb(s), permArb(s.length)));
const sliceArb = (c = { minRank: 1, maxRank: 3, maxDim: 4 }) =>
  shapeArb(c).chain((s) =>
    fc.tuple(
      tensorArb(s),
      fc.tuple(
        ...s.map((d) =>
          fc.integer({ min: 0, max: d - 1 }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 1, max: d - b }))),
        ),
      ),
    ),
  );
const padArb = (c = { minRank: 1, maxRank: 3, maxDim: 3 }) =>
  shapeArb(c).chain((s) =>
    fc.tuple(
      tensorArb(s),
      fc.tuple(...s.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))),
      fc.double({ min: -2, max: 2, noNaN: true }).map((v) => v + 0),
    ),
  ); // +0: no signed-zero pad values
const concatArb = (c = { minRank: 1, maxRank: 3, maxDim: 3 }) =>
  shapeArb(c).chain((s) =>
    fc
      .integer({ min: 0, max: s.length - 1 })
      .chain((axis) =>
        fc
          .array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })
          .chain((lens) =>
            fc.tuple(
              fc.constant(axis),
              fc.tuple(...lens.map((len) => tensorArb(s.map((d, i) => (i === axis ? len : d))))),
            ),
          ),
      ),
  );
const gatherArb = (c = { minRank: 1, maxRank: 3, maxDim: 3 }) =>
  shapeArb(c).chain((s) =>
    fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
      fc.tuple(
        tensorArb(s),
        fc.constant(axis),
        shapeArb({ minRank: 1, maxRank: 2, maxDim: 3 }).chain((is) =>
          tensorArb(is, 'int32', { min: 0, max: s[axis]! - 1 }),
        ),
      ),
    ),
  );

function expectExact(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(Array.from(actual)).toEqual(Array.from(expected));
}

describe('layout ops: gradcheck in float64', () => {
  it('reshape (with -1), expandDims, squeeze, flatten', () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((s) => tensorArb(s)),
        (spec) =>
          tidy(() => {
            const n = spec.values.length;
            return (
              gradcheck((x) => squeeze(expandDims(flatten(reshape(mul(x, x), [-1, 1]), 0), 0)), [spec.make()]) &&
              gradcheck((x) => reshape(sin(x), [n]), [spec.make()])
            );
          }),
      ),
      { numRuns: RUNS },
    );
  });
  it('transpose', () => {
    fc.assert(
      fc.property(transposeArb(), ([spec, perm]) => tidy(() => gradcheck((x) => transpose(x, perm), [spec.make()]))),
      { numRuns: RUNS },
    );
  });
  it('slice', () => {
    fc.assert(
      fc.property(sliceArb(), ([spec, bs]) =>
        tidy(() =>
          gradcheck(
            (x) =>
              slice(
                x,
                bs.map((p) => p[0]),
                bs.map((p) => p[1]),
              ),
            [spec.make()],
          ),
        ),
      ),
      { numRuns: RUNS },
    );
  });
  it('pad', () => {
    fc.assert(
      fc.property(padArb(), ([spec, p, value]) => tidy(() => gradcheck((x) => pad(x, p, value), [spec.make()]))),
      { numRuns: RUNS },
    );
  });
  it('concat', () => {
    fc.assert(
      fc.property(concatArb(), ([axis, specs]) =>
        tidy(() =>
          gradcheck(
            (...xs) => concat(xs, axis),
            specs.map((s) => s.make()),
          ),
        ),
      ),
      { numRuns: RUNS },
    );
  });
  it('stack', () => {
    const arb = shapeArb({ maxRank: 2, maxDim: 3 }).chain((s) =>
      fc.tuple(fc.integer({ min: 0, max: s.length }), fc.array(tensorArb(s), { minLength: 1, maxLength: 3 })),
    );
    fc.assert(
      fc.property(arb, ([axis, specs]) =>
        tidy(() =>
          gradcheck(
            (...xs) => stack(xs, axis),
            specs.map((s) => s.make()),
          ),
        ),
      ),
      { numRuns: RUNS },
    );
  });
  it('split', () => {
    fc.assert(
      fc.property(concatArb(), ([axis, specs]) =>
        tidy(() => {
          const sizes = specs.map((s) => s.shape[axis]!);
          const joined = concat(
            specs.map((s) => s.make()),
            axis,
          );
          return gradcheck(
            (x) =>
              concat(
                split(x, sizes, axis).map((p, i) => mul(p, i + 1)),
                axis,
              ),
            [joined],
          );
        }),
      ),
      { numRuns: RUNS },
    );
  });
  it('gather (repeated indices accumulate)', () => {
    fc.assert(
      fc.property(gatherArb(), ([spec, axis, idx]) =>
        tidy(() => {
          const indices = idx.make();
          return gradcheck((x) => gather(x, indices, axis), [spec.make()]);
        }),
      ),
      { numRuns: RUNS },
    );
  });
  it('gradgradcheck through layout ops composed with a nonlinearity', () => {
    fc.assert(
      fc.property(transposeArb({ minRank: 2, maxRank: 3, maxDim: 2 }), ([spec, perm]) =>
        tidy(() =>
          gradgradcheck(
            (x) => {
              const t = transpose(mul(x, x), perm);
              return concat(
                [
                  pad(
                    t,
                    t.shape.map((_, i) => (i === 0 ? ([1, 0] as const) : ([0, 0] as const))),
                  ),
                  t,
                ],
                0,
              );
            },
            [spec.make()],
          ),
        ),
      ),
      { numRuns: 8 },
    );
  });
});

describe('layout ops: forward equals naive references', () => {
  it('transpose', () => {
    fc.assert(
      fc.property(transposeArb({ minRank: 1, maxRank: 5, maxDim: 4 }), ([spec, perm]) =>
        tidy(() => {
          const y = transpose(spec.make(), perm);
          const inShape = spec.shape as number[];
          const outShape = perm.map((p) => inShape[p]!);
          expect(y.shape).toEqual(outShape);
          const want = Array.from({ length: spec.values.length }, (_, o) => {
            const oi = unravel(o, outShape);
            const ii = new Array<number>(inShape.length);
            perm.forEach((p, d) => {
              ii[p] = oi[d]!;
            });
            return spec.values[ravel(ii, inShape)]!;
          });
          expectExact(y.dataSync(), want);
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('slice', () => {
    fc.assert(
      fc.property(sliceArb({ minRank: 1, maxRank: 4, maxDim: 5 }), ([spec, bs]) =>
        tidy(() => {
          const size = bs.map((p) => p[1]);
          const y = slice(
            spec.make(),
            bs.map((p) => p[0]),
            size,
          );
          expect(y.shape).toEqual(size);
          const want = Array.from(
            { length: sizeOf(size) },
            (_, o) =>
              spec.values[
                ravel(
                  unravel(o, size).map((v, d) => v + bs[d]![0]),
                  spec.shape,
                )
              ]!,
          );
          expectExact(y.dataSync(), want);
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('pad', () => {
    fc.assert(
      fc.property(padArb({ minRank: 1, maxRank: 4, maxDim: 4 }), ([spec, p, value]) =>
        tidy(() => {
          const y = pad(spec.make(), p, value);
          const outShape = spec.shape.map((d, i) => d + p[i]![0] + p[i]![1]);
          expect(y.shape).toEqual(outShape);
          const want = Array.from({ length: sizeOf(outShape) }, (_, o) => {
            const idx = unravel(o, outShape).map((v, d) => v - p[d]![0]);
            return idx.every((v, d) => v >= 0 && v < spec.shape[d]!) ? spec.values[ravel(idx, spec.shape)]! : value;
          });
          expectExact(y.dataSync(), want);
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('concat', () => {
    fc.assert(
      fc.property(concatArb({ minRank: 1, maxRank: 4, maxDim: 4 }), ([axis, specs]) =>
        tidy(() => {
          const y = concat(
            specs.map((s) => s.make()),
            axis,
          );
          const outShape = specs[0]!.shape.map((d, i) =>
            i === axis ? specs.reduce((a, s) => a + s.shape[axis]!, 0) : d,
          );
          expect(y.shape).toEqual(outShape);
          const want = Array.from({ length: sizeOf(outShape) }, (_, o) => {
            const idx = unravel(o, outShape);
            let k = idx[axis]!,
              which = 0;
            while (k >= specs[which]!.shape[axis]!) {
              k -= specs[which]!.shape[axis]!;
              which++;
            }
            idx[axis] = k;
            return specs[which]!.values[ravel(idx, specs[which]!.shape)]!;
          });
          expectExact(y.dataSync(), want);
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('gather (NumPy take)', () => {
    fc.assert(
      fc.property(gatherArb({ minRank: 1, maxRank: 3, maxDim: 4 }), ([spec, axis, idx]) =>
        tidy(() => {
          const y = gather(spec.make(), idx.make(), axis);
          const s = spec.shape as number[];
          const outShape = [...s.slice(0, axis), ...idx.shape, ...s.slice(axis + 1)];
          expect(y.shape).toEqual(outShape);
          const ir = idx.shape.length;
          const want = Array.from({ length: sizeOf(outShape) }, (_, o) => {
            const oi = unravel(o, outShape);
            const which = idx.values[ravel(oi.slice(axis, axis + ir), idx.shape)]!;
            return spec.values[ravel([...oi.slice(0, axis), which, ...oi.slice(axis + ir)], s)]!;
          });
          expectExact(y.dataSync(), want);
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('transpose, slice, pad, concat, gather equal tfjs-core', () => {
    fc.assert(
      fc.property(
        transposeArb({ minRank: 1, maxRank: 4, maxDim: 4 }),
        sliceArb(),
        padArb(),
        concatArb(),
        gatherArb(),
        ([ts, perm], [ss, bs], [ps, p], [axis, cs], [gs, gAxis, gi]) =>
          tidy(() => {
            const t32 = (s: TensorSpec): [Tensor, tf.Tensor] => [
              tensor(Float32Array.from(s.values), s.shape),
              tf.tensor(Float32Array.from(s.values), [...s.shape]),
            ];
            const cmp = (a: Tensor, b: tf.Tensor) => {
              expect(a.shape).toEqual(b.shape);
              expectExact(a.dataSync(), b.dataSync());
              b.dispose();
            };
            let [g, t] = t32(ts);
            cmp(transpose(g, perm), tf.transpose(t, perm));
            t.dispose();
            [g, t] = t32(ss);
            cmp(
              slice(
                g,
                bs.map((q) => q[0]),
                bs.map((q) => q[1]),
              ),
              tf.slice(
                t,
                bs.map((q) => q[0]),
                bs.map((q) => q[1]),
              ),
            );
            t.dispose();
            [g, t] = t32(ps);
            cmp(
              pad(g, p, 1.5),
              tf.pad(
                t,
                p.map((q) => [q[0], q[1]] as [number, number]),
                1.5,
              ),
            );
            t.dispose();
            const pairs = cs.map(t32);
            cmp(
              concat(
                pairs.map((q) => q[0]),
                axis,
              ),
              tf.concat(
                pairs.map((q) => q[1]),
                axis,
              ),
            );
            tf.dispose(pairs.map((q) => q[1]));
            [g, t] = t32(gs);
            const ti = tf.tensor(Int32Array.from(gi.values), [...gi.shape], 'int32');
            cmp(gather(g, gi.make(), gAxis), tf.gather(t, ti, gAxis));
            tf.dispose([t, ti]);
          }),
      ),
      { numRuns: 25 },
    );
  });

  it('stack and split are inverse', () => {
    tidy(() => {
      const a = tensor([
        [1, 2],
        [3, 4],
      ]);
      const b = tensor([
        [5, 6],
        [7, 8],
      ]);
      expect(stack([a, b], 1).toArray()).toEqual([
        [
          [1, 2],
          [5, 6],
        ],
        [
          [3, 4],
          [7, 8],
        ],
      ]);
      const parts = split(stack([a, b], 0), 2, 0);
      expect(parts.map((x) => x.shape)).toEqual([
        [1, 2, 2],
        [1, 2, 2],
      ]);
      expect(parts[1]!.toArray()).toEqual([
        [
          [5, 6],
          [7, 8],
        ],
      ]);
    });
  });
});
