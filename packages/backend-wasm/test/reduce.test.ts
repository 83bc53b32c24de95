import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { DType, ReduceOp } from '@gradstream/core';
import { CONFIGS, RUNS, check, dataOf, floatData, shapeArb, usePair } from './helpers.js';

/** A shape and a sorted, unique, non-empty set of its axes. */
const shapeAndAxes = shapeArb(1, 5, 7).chain((shape) =>
  fc
    .subarray(
      shape.map((_, i) => i),
      { minLength: 1 },
    )
    .map((axes) => ({ shape, axes })),
);

describe.each(CONFIGS)('reductions (threads $threads, relaxed $relaxedSimd)', (config) => {
  const pair = usePair(config);

  it.each(['sum', 'max', 'min'] as ReduceOp[])('%s over any axes, float32 and int32', (op) => {
    fc.assert(
      fc.property(shapeAndAxes, fc.constantFrom<DType>('float32', 'int32'), fc.gen(), ({ shape, axes }, dtype, gen) => {
        check(pair, [gen(() => dataOf(dtype, shape))], (be, [x]) => be.reduce(op, x!, axes), 1e-5, 1e-5);
      }),
      { numRuns: RUNS },
    );
  });

  it('sum of a long row stays accurate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 20000 }).chain((n) => floatData([3, n], 0, 1)),
        (x) => {
          check(pair, [x], (be, [t]) => be.reduce('sum', t!, [1]), 1e-5, 1e-3);
        },
      ),
      { numRuns: 5 },
    );
  });

  it.each(['argmax', 'argmin'] as const)('%s along one axis, first index on ties', (op) => {
    const smallInts = (shape: number[], dtype: DType) =>
      dataOf(dtype, shape).map((d) => ({ ...d, values: d.values.map((v) => Math.round(v)) }));
    fc.assert(
      fc.property(
        shapeArb(1, 4, 6),
        fc.constantFrom<DType>('float32', 'int32'),
        fc.nat(),
        fc.gen(),
        (shape, dtype, pick, gen) => {
          const axis = pick % shape.length;
          check(pair, [gen(() => smallInts(shape, dtype))], (be, [x]) => be.argReduce(op, x!, axis), 0, 0);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('max and argmax propagate NaN like the reference', () => {
    const values = Float32Array.from([1, NaN, 3, 2, 5, 4]);
    const x = { values, shape: [2, 3], dtype: 'float32' as const };
    check(pair, [x], (be, [t]) => be.reduce('max', t!, [1]), 0, 0);
    check(pair, [x], (be, [t]) => be.argReduce('argmax', t!, 1), 0, 0);
  });
});
