import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { DType } from '@gradstream/core';
import { CONFIGS, check, dataOf, intData, shapeArb, usePair } from './helpers.js';

const RUNS = 20;
const anyDtype = fc.constantFrom<DType>('float32', 'int32', 'bool');

describe.each(CONFIGS.slice(0, 1))('layout (threads $threads)', (config) => {
  const pair = usePair(config);

  it('transpose', () => {
    const arb = shapeArb(0, 5, 5).chain((shape) =>
      fc
        .shuffledSubarray(
          shape.map((_, i) => i),
          { minLength: shape.length, maxLength: shape.length },
        )
        .map((perm) => ({ shape, perm })),
    );
    fc.assert(
      fc.property(arb, anyDtype, fc.gen(), ({ shape, perm }, dtype, gen) => {
        check(pair, [gen(() => dataOf(dtype, shape))], (be, [x]) => be.transpose(x!, perm), 0, 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('slice', () => {
    const arb = shapeArb(1, 4, 6).chain((shape) =>
      fc
        .tuple(
          ...shape.map((d) =>
            fc.integer({ min: 0, max: d }).chain((b) => fc.integer({ min: 0, max: d - b }).map((s) => [b, s] as const)),
          ),
        )
        .map((bs) => ({ shape, begin: bs.map((p) => p[0]), size: bs.map((p) => p[1]) })),
    );
    fc.assert(
      fc.property(arb, anyDtype, fc.gen(), ({ shape, begin, size }, dtype, gen) => {
        check(pair, [gen(() => dataOf(dtype, shape))], (be, [x]) => be.slice(x!, begin, size), 0, 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('pad', () => {
    const arb = shapeArb(1, 4, 5).chain((shape) =>
      fc
        .tuple(
          fc.array(fc.tuple(fc.nat(3), fc.nat(3)), { minLength: shape.length, maxLength: shape.length }),
          fc.integer({ min: -3, max: 3 }),
        )
        .map(([paddings, value]) => ({ shape, paddings, value })),
    );
    fc.assert(
      fc.property(arb, anyDtype, fc.gen(), ({ shape, paddings, value }, dtype, gen) => {
        // A bool tensor is padded with false or true only.
        const fill = dtype === 'bool' ? Math.abs(value) % 2 : value;
        check(pair, [gen(() => dataOf(dtype, shape))], (be, [x]) => be.pad(x!, paddings, fill), 0, 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('concat', () => {
    const arb = shapeArb(1, 4, 4).chain((shape) =>
      fc
        .record({
          axis: fc.integer({ min: 0, max: shape.length - 1 }),
          lengths: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
        })
        .map(({ axis, lengths }) => ({ axis, shapes: lengths.map((l) => shape.map((d, i) => (i === axis ? l : d))) })),
    );
    fc.assert(
      fc.property(arb, anyDtype, fc.gen(), ({ axis, shapes }, dtype, gen) => {
        check(
          pair,
          shapes.map((s) => gen(() => dataOf(dtype, s))),
          (be, xs) => be.concat(xs, axis),
          0,
          0,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('gather and scatterAdd', () => {
    const arb = shapeArb(1, 4, 5).chain((shape) =>
      fc
        .record({
          axis: fc.integer({ min: 0, max: shape.length - 1 }),
          indexShape: shapeArb(0, 2, 4),
        })
        .map((r) => ({ shape, ...r })),
    );
    fc.assert(
      fc.property(
        arb,
        fc.constantFrom<DType>('float32', 'int32'),
        fc.gen(),
        ({ shape, axis, indexShape }, dtype, gen) => {
          const x = gen(() => dataOf(dtype, shape));
          const indices = gen(() => intData(indexShape, 0, shape[axis]! - 1));
          check(pair, [x, indices], (be, [xt, it_]) => be.gather(xt!, it_!, axis), 0, 0);
          const dyShape = [...shape.slice(0, axis), ...indexShape, ...shape.slice(axis + 1)];
          const dy = gen(() => dataOf(dtype, dyShape));
          check(pair, [dy, indices], (be, [dyt, it_]) => be.scatterAdd(dyt!, it_!, axis, shape[axis]!), 1e-6, 1e-6);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('scatterAdd with rows of one element and repeated indices (max-pool backward)', () => {
    fc.assert(
      fc.property(fc.gen(), (gen) => {
        const dy = gen(() => dataOf('float32', [300]));
        const indices = gen(() => intData([300], 0, 99));
        check(pair, [dy, indices], (be, [dyt, it_]) => be.scatterAdd(dyt!, it_!, 0, 100), 1e-6, 1e-6);
      }),
      { numRuns: 5 },
    );
  });

  it('scatterAdd with long rows (the SIMD add)', () => {
    fc.assert(
      fc.property(fc.gen(), (gen) => {
        const dy = gen(() => dataOf('float32', [3, 5, 41]));
        const indices = gen(() => intData([5], 0, 2));
        check(pair, [dy, indices], (be, [dyt, it_]) => be.scatterAdd(dyt!, it_!, 1, 3), 1e-6, 1e-6);
      }),
      { numRuns: 5 },
    );
  });

  it('scatterAdd of no slices is zeros', () => {
    const dy = { values: new Float32Array(0), shape: [2, 0, 3], dtype: 'float32' as const };
    const indices = { values: new Int32Array(0), shape: [0], dtype: 'int32' as const };
    check(pair, [dy, indices], (be, [dyt, it_]) => be.scatterAdd(dyt!, it_!, 1, 4), 0, 0);
  });
});
