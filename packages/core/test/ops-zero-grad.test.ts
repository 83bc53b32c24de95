// Ops whose outputs are piecewise constant in their float inputs: comparisons,
// argmax/argmin and the rounding family. Comparisons and arg-reductions record
// nothing on the tape, so differentiating through them yields zeros (not an
// error); sign/floor/ceil/round record an explicit zero rule. Each property
// checks the gradient is exactly zero with the input's shape and dtype, and
// that finite differences agree (inputs kept off the jumps).
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Tensor,
  tensor,
  tidy,
  grads,
  sum,
  mul,
  cast,
  equal,
  notEqual,
  greater,
  greaterEqual,
  less,
  lessEqual,
  argmax,
  argmin,
  sign,
  floor,
  ceil,
  round,
} from '@gradstream/core';
import { gradcheck, broadcastableShapesArb, shapeArb } from '@gradstream/core/testing';

const RUNS = 10;
const small = { maxRank: 3, maxDim: 3 } as const;

type Make = () => Tensor;

function valuesArb(shape: number[], element: fc.Arbitrary<number>): fc.Arbitrary<Make> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(element, { minLength: n, maxLength: n }).map((vs) => {
    const values = Float64Array.from(vs);
    return () => tensor(values, shape, 'float64');
  });
}

/** k + f with f in [0.1, 0.9]: never within 0.1 of an integer, so it never ties one. */
const offInteger = fc
  .tuple(fc.integer({ min: -2, max: 1 }), fc.double({ min: 0.1, max: 0.9, noNaN: true }))
  .map(([k, f]) => k + f);
/** At least 0.05 from every multiple of 0.5: off the jumps of sign, floor, ceil and round. */
const offHalves = fc
  .tuple(fc.integer({ min: -4, max: 3 }), fc.double({ min: 0.1, max: 0.4, noNaN: true }))
  .map(([k, f]) => (k + f) / 2);

/** The gradients are zeros shaped and typed like the inputs, and finite differences see no change either. */
function expectZeroGradient(f: (...xs: Tensor[]) => Tensor, makes: readonly Make[]): boolean {
  return tidy(() => {
    const xs = makes.map((m) => m());
    const gs = grads((...ts) => sum(mul(f(...ts), 1.5)))(xs);
    gs.forEach((g, i) => {
      expect(g.shape).toEqual(xs[i]!.shape);
      expect(g.dtype).toBe('float64');
      expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    });
    return gradcheck(f, xs);
  });
}

describe('comparisons have a zero gradient in both operands', () => {
  const ops: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ['equal', equal],
    ['notEqual', notEqual],
    ['greater', greater],
    ['greaterEqual', greaterEqual],
    ['less', less],
    ['lessEqual', lessEqual],
  ];
  // a off the integers, b integers: no element pair is within eps of a tie.
  const untied = broadcastableShapesArb(small).chain(([a, b]) =>
    fc.tuple(valuesArb(a, offInteger), valuesArb(b, fc.integer({ min: -2, max: 2 })), fc.boolean()),
  );
  for (const [name, op] of ops) {
    it(name, () => {
      fc.assert(
        fc.property(untied, ([a, b, swap]) =>
          expectZeroGradient((x, y) => cast(op(x, y), 'float64'), swap ? [b, a] : [a, b]),
        ),
        { numRuns: RUNS },
      );
    });
  }
});

describe('argmax and argmin have a zero gradient', () => {
  /** Distinct multiples of 0.1, so no perturbation by eps changes which index wins. */
  const distinct = shapeArb({ minRank: 1, ...small }).chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc.tuple(
      fc.uniqueArray(fc.integer({ min: -30, max: 30 }), { minLength: n, maxLength: n }).map((vs) => {
        const values = Float64Array.from(vs, (v) => v / 10);
        return () => tensor(values, shape, 'float64');
      }),
      fc.option(fc.integer({ min: -shape.length, max: shape.length - 1 }), { nil: undefined }),
    );
  });
  for (const [name, op] of [
    ['argmax', argmax],
    ['argmin', argmin],
  ] as const) {
    it(name, () => {
      fc.assert(
        fc.property(distinct, ([x, axis]) => expectZeroGradient((t) => cast(op(t, axis), 'float64'), [x])),
        { numRuns: RUNS },
      );
    });
  }
});

describe('sign, floor, ceil and round have a zero gradient off their jumps', () => {
  const ops: [string, (x: Tensor) => Tensor][] = [
    ['sign', sign],
    ['floor', floor],
    ['ceil', ceil],
    ['round', round],
  ];
  for (const [name, op] of ops) {
    it(name, () => {
      fc.assert(
        fc.property(
          shapeArb(small).chain((s) => valuesArb(s, offHalves)),
          (x) => expectZeroGradient(op, [x]),
        ),
        { numRuns: RUNS },
      );
    });
  }
});
