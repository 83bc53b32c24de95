import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { BinaryOp, DType, UnaryOp } from '@gradstream/core';
import { CONFIGS, RUNS, broadcastShapesArb, check, dataOf, floatData, intData, shapeArb, usePair } from './helpers.js';

/** Each float unary op with an input range inside its domain. */
const floatUnary: [UnaryOp, number, number][] = [
  ['neg', -3, 3],
  ['abs', -3, 3],
  ['sign', -3, 3],
  ['square', -3, 3],
  ['sqrt', 0, 9],
  ['rsqrt', 0.01, 9],
  ['reciprocal', 0.1, 4],
  ['exp', -10, 10],
  ['expm1', -3, 3],
  ['log', 0.001, 100],
  ['log1p', -0.9, 10],
  ['sin', -10, 10],
  ['cos', -10, 10],
  ['tanh', -6, 6],
  ['sigmoid', -20, 20],
  ['relu', -3, 3],
  ['floor', -5, 5],
  ['ceil', -5, 5],
  ['round', -5, 5],
];

const arithmetic: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];
const comparisons: BinaryOp[] = ['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual'];

describe.each(CONFIGS)('elementwise (threads $threads, relaxed $relaxedSimd)', (config) => {
  const pair = usePair(config);

  it.each(floatUnary)('unary %s on float32', (op, lo, hi) => {
    fc.assert(
      fc.property(
        shapeArb(0, 4, 7).chain((s) => floatData(s, lo, hi)),
        (x) => {
          check(pair, [x], (be, [t]) => be.unary(op, t!), 2e-6, 1e-6);
        },
      ),
      { numRuns: RUNS },
    );
  });

  // log and tanh run as four-lane polynomials: their branch points, special
  // values and extremes, in every lane position (length 4·k + 3 leaves a scalar tail too).
  it.each([
    [
      'log',
      [
        0,
        -0,
        -1,
        -Infinity,
        Infinity,
        NaN,
        1e-45,
        3e-39,
        1.1754944e-38,
        1,
        0.99999994,
        1.0000001,
        0.70710677,
        Math.SQRT1_2,
        Math.SQRT2,
        1.4142137,
        0.5,
        2,
        3.4028235e38,
        1e-30,
        123.456,
      ],
    ],
    [
      'tanh',
      [
        0,
        -0,
        NaN,
        Infinity,
        -Infinity,
        0.62499994,
        -0.62499994,
        0.625,
        -0.625,
        0.6250001,
        1e-30,
        -1e-30,
        9,
        -9,
        20,
        -20,
        88,
        1e-3,
        -3.7,
        0.3,
        -0.5,
      ],
    ],
  ] as [UnaryOp, number[]][])('unary %s on edge values', (op, edges) => {
    const values = Float32Array.from(edges);
    check(pair, [{ values, shape: [values.length], dtype: 'float32' }], (be, [t]) => be.unary(op, t!), 2e-6, 1e-6);
  });

  it.each([
    ['log', 1e-38, 3e38],
    ['tanh', -12, 12],
  ] as [UnaryOp, number, number][])('unary %s over a wide range', (op, lo, hi) => {
    // log: log-uniform across the whole positive float range; tanh: uniform.
    const values = Float32Array.from({ length: 4099 }, (_, i) =>
      op === 'log' ? lo * (hi / lo) ** (i / 4098) : lo + ((hi - lo) * i) / 4098,
    );
    check(pair, [{ values, shape: [values.length], dtype: 'float32' }], (be, [t]) => be.unary(op, t!), 2e-6, 1e-6);
  });

  it('round halves to even', () => {
    const values = Float32Array.from([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999997]);
    check(pair, [{ values, shape: [values.length], dtype: 'float32' }], (be, [t]) => be.unary('round', t!), 0, 0);
  });

  it.each(['neg', 'abs', 'sign', 'square'] as UnaryOp[])('unary %s on int32', (op) => {
    fc.assert(
      fc.property(
        shapeArb().chain((s) => intData(s, -1000, 1000)),
        (x) => {
          check(pair, [x], (be, [t]) => be.unary(op, t!), 0, 0);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('logicalNot on bool', () => {
    fc.assert(
      fc.property(
        shapeArb().chain((s) => dataOf('bool', s)),
        (x) => {
          check(pair, [x], (be, [t]) => be.unary('logicalNot', t!), 0, 0);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it.each([...arithmetic, ...comparisons])('binary %s with broadcasting, float32 and int32', (op) => {
    const dtypes: DType[] = op === 'div' ? ['float32'] : ['float32', 'int32'];
    fc.assert(
      fc.property(broadcastShapesArb(2), fc.constantFrom(...dtypes), fc.gen(), ([sa, sb], dtype, gen) => {
        const a = gen(() => dataOf(dtype, sa!)),
          b = gen(() => dataOf(dtype, sb!));
        check(pair, [a, b], (be, [x, y]) => be.binary(op, x!, y!), 1e-6, 1e-6);
      }),
      { numRuns: RUNS },
    );
  });

  // Rows of 16 or more go through the SIMD compare; lengths 16·k + 5 leave a scalar tail.
  // Values from a small set so ties (and NaN, never equal to itself) occur often.
  const ties = (shape: number[]) =>
    fc
      .array(fc.constantFrom(-1, 0, -0, 0.5, 1, NaN, Infinity), {
        minLength: shape.reduce((p, d) => p * d, 1),
        maxLength: shape.reduce((p, d) => p * d, 1),
      })
      .map((v) => ({ values: Float32Array.from(v), shape, dtype: 'float32' as const }));
  const longRows: [number[], number[]][] = [
    [
      [3, 37],
      [3, 37],
    ],
    [
      [2, 53],
      [2, 1],
    ],
    [
      [2, 1],
      [2, 53],
    ],
    [[69], [1]],
  ];

  it.each(comparisons)('binary %s on long rows, contiguous and broadcast, with ties and NaN', (op) => {
    fc.assert(
      fc.property(fc.constantFrom(...longRows), fc.gen(), ([sa, sb], gen) => {
        check(pair, [gen(() => ties(sa)), gen(() => ties(sb))], (be, [x, y]) => be.binary(op, x!, y!), 0, 0);
      }),
      { numRuns: 8 },
    );
  });

  it('binary pow on float32', () => {
    fc.assert(
      fc.property(broadcastShapesArb(2), fc.gen(), ([sa, sb], gen) => {
        const a = gen(() => floatData(sa!, 0.1, 3)),
          b = gen(() => floatData(sb!, -3, 3));
        check(pair, [a, b], (be, [x, y]) => be.binary('pow', x!, y!), 1e-5, 1e-6);
      }),
      { numRuns: RUNS },
    );
  });

  it('integer division truncates like the reference', () => {
    fc.assert(
      fc.property(broadcastShapesArb(2), fc.gen(), ([sa, sb], gen) => {
        const a = gen(() => intData(sa!, -50, 50)),
          b = gen(() => intData(sb!, 1, 7));
        check(pair, [a, b], (be, [x, y]) => be.binary('div', x!, y!), 0, 0);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(['logicalAnd', 'logicalOr'] as BinaryOp[])('binary %s on bool', (op) => {
    fc.assert(
      fc.property(broadcastShapesArb(2), fc.gen(), ([sa, sb], gen) => {
        check(
          pair,
          [gen(() => dataOf('bool', sa!)), gen(() => dataOf('bool', sb!))],
          (be, [x, y]) => be.binary(op, x!, y!),
          0,
          0,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('where over float32, int32 and bool', () => {
    fc.assert(
      fc.property(
        broadcastShapesArb(3),
        fc.constantFrom<DType>('float32', 'int32', 'bool'),
        fc.gen(),
        ([sc, sa, sb], dtype, gen) => {
          const inputs = [gen(() => dataOf('bool', sc!)), gen(() => dataOf(dtype, sa!)), gen(() => dataOf(dtype, sb!))];
          check(pair, inputs, (be, [c, x, y]) => be.where(c!, x!, y!), 0, 0);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('where on long rows: contiguous cond with contiguous or broadcast operands', () => {
    const shapes: number[][][] = [
      [
        [2, 37],
        [2, 37],
        [2, 37],
      ],
      [[2, 37], [2, 37], [1]],
      [[2, 37], [1], [2, 37]],
      [[41], [1], [1]],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...shapes),
        fc.constantFrom<DType>('float32', 'int32'),
        fc.gen(),
        ([sc, sa, sb], dtype, gen) => {
          const inputs = [gen(() => dataOf('bool', sc!)), gen(() => dataOf(dtype, sa!)), gen(() => dataOf(dtype, sb!))];
          check(pair, inputs, (be, [c, x, y]) => be.where(c!, x!, y!), 0, 0);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('cast between every stored dtype', () => {
    const dtypes: DType[] = ['float32', 'int32', 'bool'];
    fc.assert(
      fc.property(
        shapeArb(),
        fc.constantFrom(...dtypes),
        fc.constantFrom(...dtypes),
        fc.gen(),
        (shape, from, to, gen) => {
          check(pair, [gen(() => dataOf(from, shape))], (be, [x]) => be.cast(x!, to), 0, 0);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
