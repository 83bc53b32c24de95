// Second derivatives (gradgradcheck, float64) for every differentiable op not
// already covered next to its first-order tests: one table row per op.
// Piecewise-linear ops have a zero Hessian, so each row squares the op's
// output: the backward pass then depends on x and the check has something to
// differentiate. Inputs stay off kinks and ties, where the derivative jumps.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  type Tensor,
  tensor,
  tidy,
  add,
  sub,
  neg,
  sqrt,
  square,
  rsqrt,
  expm1,
  log1p,
  cos,
  abs,
  relu,
  leakyRelu,
  maximum,
  minimum,
  where,
  clip,
  max,
  min,
  slice,
  gather,
  stack,
  reshape,
  broadcastTo,
  cast,
  logSumExp,
  broadcastShapes,
} from '@gradstream/core';
import {
  gradgradcheck,
  broadcastableShapesArb,
  shapeArb,
  tensorArb,
  type GradcheckOptions,
} from '@gradstream/core/testing';

const RUNS = 10;
const small = { maxRank: 2, maxDim: 3 } as const;

/** One generated check: f, how to build its float64 inputs, and tolerances when the defaults are not honest. */
interface Case {
  readonly f: (...xs: Tensor[]) => Tensor;
  readonly inputs: readonly (() => Tensor)[];
  readonly options?: GradcheckOptions;
}

const float64 = (values: Float64Array, shape: readonly number[]) => () => tensor(values, shape, 'float64');

/** Float64 values of a shape drawn from `element`. */
function valuesArb(shape: number[], element: fc.Arbitrary<number>): fc.Arbitrary<() => Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(element, { minLength: n, maxLength: n }).map((vs) => float64(Float64Array.from(vs), shape));
}

const plain = (shape: number[], range: { min?: number; max?: number } = {}) =>
  tensorArb(shape, 'float64', range).map((s) => s.make);
/** Values more than 0.1 from zero: relu, abs and leakyRelu have their kink there. */
const offZero = fc.double({ min: -2, max: 2, noNaN: true }).filter((v) => Math.abs(v) > 0.1);
/** k + f with f in [0.1, 0.9]: never within 0.1 of an integer, so never ties an integer operand. */
const offInteger = fc
  .tuple(fc.integer({ min: -2, max: 1 }), fc.double({ min: 0.1, max: 0.9, noNaN: true }))
  .map(([k, f]) => k + f);
/** Distinct multiples of 0.1: max/min reductions never tie. */
const distinctArb = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.uniqueArray(fc.integer({ min: -20, max: 20 }), { minLength: n, maxLength: n }).map((vs) =>
    float64(
      Float64Array.from(vs, (v) => v / 10),
      shape,
    ),
  );
};

const unaryCase = (
  op: (x: Tensor) => Tensor,
  element?: fc.Arbitrary<number>,
  range?: { min?: number; max?: number },
): fc.Arbitrary<Case> =>
  shapeArb(small)
    .chain((s) => (element ? valuesArb(s, element) : plain(s, range)))
    .map((x) => ({ f: op, inputs: [x] }));

const binaryCase = (op: (a: Tensor, b: Tensor) => Tensor): fc.Arbitrary<Case> =>
  broadcastableShapesArb(small)
    .chain(([a, b]) => fc.tuple(plain(a), plain(b), fc.boolean()))
    .map(([a, b, swap]) => ({ f: op, inputs: swap ? [b, a] : [a, b] }));

/** a off the integers, b integers: the pair never ties, so maximum/minimum stay on one branch. */
const untiedCase = (op: (a: Tensor, b: Tensor) => Tensor): fc.Arbitrary<Case> =>
  broadcastableShapesArb(small)
    .chain(([a, b]) => fc.tuple(valuesArb(a, offInteger), valuesArb(b, fc.integer({ min: -2, max: 2 })), fc.boolean()))
    .map(([a, b, swap]) => ({ f: (x, y) => square(op(x, y)), inputs: swap ? [b, a] : [a, b] }));

const axisArb = (rank: number) =>
  rank === 0 ? fc.constant(undefined) : fc.option(fc.integer({ min: -rank, max: rank - 1 }), { nil: undefined });

const reductionCase = (op: typeof max): fc.Arbitrary<Case> =>
  shapeArb({ minRank: 1, ...small })
    .chain((s) => fc.tuple(distinctArb(s), axisArb(s.length), fc.boolean()))
    .map(([x, axis, keepDims]) => ({ f: (t) => square(op(t, axis, { keepDims })), inputs: [x] }));

const table: readonly [string, fc.Arbitrary<Case>][] = [
  ['add', binaryCase((a, b) => square(add(a, b)))],
  ['sub', binaryCase((a, b) => square(sub(a, b)))],
  ['neg', unaryCase((x) => square(neg(x)))],
  ['sqrt', unaryCase(sqrt, undefined, { min: 0.3, max: 3 })],
  ['square', unaryCase(square)],
  ['rsqrt', unaryCase(rsqrt, undefined, { min: 0.3, max: 3 })],
  ['expm1', unaryCase(expm1)],
  ['log1p', unaryCase(log1p, undefined, { min: -0.6, max: 3 })],
  ['cos', unaryCase(cos)],
  ['abs', unaryCase((x) => square(abs(x)), offZero)],
  ['relu', unaryCase((x) => square(relu(x)), offZero)],
  ['leakyRelu', unaryCase((x) => square(leakyRelu(x, 0.2)), offZero)],
  [
    'clip',
    unaryCase(
      (x) => square(clip(x, -1, 1)),
      fc.double({ min: -2, max: 2, noNaN: true }).filter((v) => Math.abs(Math.abs(v) - 1) > 0.1),
    ),
  ],
  ['maximum', untiedCase(maximum)],
  ['minimum', untiedCase(minimum)],
  [
    'where (cond broadcast with both branches)',
    broadcastableShapesArb(small)
      .chain(([a, b]) => fc.tuple(plain(a), plain(b), tensorArb(broadcastShapes('where', a, b), 'bool')))
      .map(([a, b, c]) => ({
        f: (x, y) => square(where(c.make(), x, y)),
        inputs: [a, b],
      })),
  ],
  ['max reduction', reductionCase(max)],
  ['min reduction', reductionCase(min)],
  [
    'slice',
    shapeArb({ minRank: 1, maxRank: 2, maxDim: 4 })
      .chain((s) =>
        fc.tuple(
          plain(s),
          fc.tuple(
            ...s.map((d) =>
              fc
                .integer({ min: 0, max: d - 1 })
                .chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 1, max: d - b }))),
            ),
          ),
        ),
      )
      .map(([x, bs]) => ({
        f: (t) =>
          square(
            slice(
              t,
              bs.map(([b]) => b),
              bs.map(([, n]) => n),
            ),
          ),
        inputs: [x],
      })),
  ],
  // Repeated indices make the backward (scatterAdd) accumulate, and its own backward is gather again.
  [
    'gather',
    shapeArb({ minRank: 1, ...small })
      .chain((s) =>
        fc
          .integer({ min: 0, max: s.length - 1 })
          .chain((axis) =>
            fc.tuple(
              plain(s),
              fc.constant(axis),
              fc.array(fc.integer({ min: 0, max: s[axis]! - 1 }), { minLength: 1, maxLength: 4 }),
            ),
          ),
      )
      .map(([x, axis, idx]) => ({
        f: (t) => square(gather(t, tensor(idx, [idx.length], 'int32'), axis)),
        inputs: [x],
      })),
  ],
  [
    'stack',
    shapeArb(small)
      .chain((s) => fc.tuple(plain(s), plain(s), fc.integer({ min: 0, max: s.length })))
      .map(([a, b, axis]) => ({ f: (x, y) => square(stack([x, y], axis)), inputs: [a, b] })),
  ],
  [
    'reshape',
    shapeArb({ minRank: 1, ...small })
      .chain((s) => plain(s))
      .map((x) => ({ f: (t) => square(reshape(t, [-1, 1])), inputs: [x] })),
  ],
  [
    'broadcastTo',
    broadcastableShapesArb(small)
      .chain(([a, b]) => fc.tuple(plain(a), fc.constant(broadcastShapes('t', a, b))))
      .map(([x, target]) => ({ f: (t) => square(broadcastTo(t, target)), inputs: [x] })),
  ],
  [
    'logSumExp',
    shapeArb({ minRank: 1, ...small })
      .chain((s) => fc.tuple(plain(s), fc.integer({ min: 0, max: s.length - 1 })))
      .map(([x, axis]) => ({ f: (t) => logSumExp(t, axis), inputs: [x] })),
  ],
  // The real cast kernel both ways (float64→float32→float64) and its backward
  // rule, which casts dy the same way. Float32 rounding makes f a staircase of
  // ~1e-7 steps: eps = 1e-6 would measure the steps, 1e-3 spans thousands of
  // them (square is quadratic, so central differences are exact there), and
  // the tolerances allow float32's ~6e-8 relative error per rounding.
  [
    'cast float64→float32→float64',
    unaryCase((x) => square(cast(cast(x, 'float32'), 'float64'))).map((c) => ({
      ...c,
      options: { eps: 1e-3, atol: 1e-4, rtol: 1e-3 },
    })),
  ],
];

describe('gradgradcheck in float64 for every op not covered beside its first-order tests', () => {
  for (const [name, arb] of table) {
    it(name, () => {
      fc.assert(
        fc.property(arb, (c) =>
          tidy(() =>
            gradgradcheck(
              c.f,
              c.inputs.map((make) => make()),
              c.options,
            ),
          ),
        ),
        { numRuns: RUNS },
      );
    });
  }
});
