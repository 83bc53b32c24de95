// Elementwise ops: gradients against central finite differences (float64),
// second derivatives (gradgradcheck), and forward values against naive
// float64 loops with NumPy broadcasting written here.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Tensor,
  tensor,
  tidy,
  grad,
  sum,
  add,
  sub,
  mul,
  div,
  pow,
  neg,
  exp,
  log,
  sqrt,
  abs,
  tanh,
  sigmoid,
  relu,
  leakyRelu,
  maximum,
  minimum,
  where,
  cast,
  square,
  rsqrt,
  reciprocal,
  expm1,
  log1p,
  sin,
  cos,
  clip,
  broadcastTo,
  broadcastShapes,
  greater,
  less,
  equal,
  sign,
  floor,
  ceil,
  round,
} from '@gradstream/core';
import { gradcheck, gradgradcheck, tensorArb, shapeArb, broadcastableShapesArb } from '@gradstream/core/testing';

const RUNS = 15;
const small = { maxRank: 3, maxDim: 3 } as const;

/** Float64 values for a shape, with a custom element arbitrary (e.g. to stay off kinks). */
function valuesArb(
  shape: number[],
  element: fc.Arbitrary<number>,
): fc.Arbitrary<{ shape: number[]; values: Float64Array; make: () => Tensor }> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(element, { minLength: n, maxLength: n }).map((vs) => {
    const values = Float64Array.from(vs);
    return { shape, values, make: () => tensor(values, shape, 'float64') };
  });
}

/** Numbers k + f with integer k in [−2, 1] and f in [0.1, 0.9]: never within 0.1 of an integer. */
const offInteger = fc
  .tuple(fc.integer({ min: -2, max: 1 }), fc.double({ min: 0.1, max: 0.9, noNaN: true }))
  .map(([k, f]) => k + f);

/** Runs gradcheck inside tidy so every tensor made for the check is freed. */
function check(f: (...xs: Tensor[]) => Tensor, specs: readonly { make: () => Tensor }[], opts = {}): boolean {
  return tidy(() =>
    gradcheck(
      f,
      specs.map((s) => s.make()),
      opts,
    ),
  );
}
function check2(f: (...xs: Tensor[]) => Tensor, specs: readonly { make: () => Tensor }[], opts = {}): boolean {
  return tidy(() =>
    gradgradcheck(
      f,
      specs.map((s) => s.make()),
      opts,
    ),
  );
}

// ---- naive references ----
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}
/** out[i] = f(a[bcast i], b[bcast i]) by explicit multi-index arithmetic. */
function naiveBinary(
  aShape: number[],
  a: ArrayLike<number>,
  bShape: number[],
  b: ArrayLike<number>,
  f: (x: number, y: number) => number,
): { shape: number[]; values: number[] } {
  const rank = Math.max(aShape.length, bShape.length);
  const pa = [...new Array(rank - aShape.length).fill(1), ...aShape];
  const pb = [...new Array(rank - bShape.length).fill(1), ...bShape];
  const shape = pa.map((d, i) => Math.max(d, pb[i]!));
  const sa = stridesOf(pa),
    sb = stridesOf(pb),
    so = stridesOf(shape);
  const n = shape.reduce((x, y) => x * y, 1);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    let ia = 0,
      ib = 0;
    for (let d = 0; d < rank; d++) {
      const idx = Math.floor(i / so[d]!) % shape[d]!;
      ia += (pa[d] === 1 ? 0 : idx) * sa[d]!;
      ib += (pb[d] === 1 ? 0 : idx) * sb[d]!;
    }
    values.push(f(a[ia]!, b[ib]!));
  }
  return { shape, values };
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!,
      a = actual[i]!;
    if (Number.isNaN(e)) {
      expect(a).toBeNaN();
      continue;
    }
    if (a === e) continue;
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) throw new Error(`element ${i}: got ${a}, expected ${e}`);
  }
}

describe('unary ops: gradcheck in float64 on random shapes', () => {
  const cases: [string, (x: Tensor) => Tensor, { min?: number; max?: number; awayFromZero?: number }][] = [
    ['neg', neg, {}],
    ['exp', exp, {}],
    ['log', log, { min: 0.2, max: 3 }],
    ['sqrt', sqrt, { min: 0.2, max: 3 }],
    ['abs', abs, { awayFromZero: 0.05 }],
    ['tanh', tanh, {}],
    ['sigmoid', sigmoid, { min: -4, max: 4 }],
    ['relu', relu, { awayFromZero: 0.05 }],
    ['leakyRelu', (x) => leakyRelu(x, 0.2), { awayFromZero: 0.05 }],
    ['square', square, {}],
    ['rsqrt', rsqrt, { min: 0.3, max: 3 }],
    ['reciprocal', reciprocal, { awayFromZero: 0.3 }],
    ['expm1', expm1, {}],
    ['log1p', log1p, { min: -0.7, max: 3 }],
    ['sin', sin, { min: -4, max: 4 }],
    ['cos', cos, { min: -4, max: 4 }],
  ];
  for (const [name, f, range] of cases) {
    it(name, () => {
      fc.assert(
        fc.property(
          shapeArb(small).chain((s) => tensorArb(s, 'float64', range)),
          (spec) => check(f, [spec]),
        ),
        { numRuns: RUNS },
      );
    });
  }

  // A same-dtype cast is a reshape; the round trip runs the real cast kernel
  // both ways and its backward rule. Float32 rounding turns f into a staircase
  // of ~1e-7 steps that eps = 1e-6 would measure, so eps is 1e-3 (f is linear
  // between roundings) and the tolerances allow float32's relative error.
  it('cast float64→float32→float64', () => {
    fc.assert(
      fc.property(
        shapeArb(small).chain((s) => tensorArb(s, 'float64')),
        (spec) => check((x) => cast(cast(x, 'float32'), 'float64'), [spec], { eps: 1e-3, atol: 1e-4, rtol: 1e-3 }),
      ),
      { numRuns: RUNS },
    );
  });

  it('clip (values kept off the clip bounds)', () => {
    const el = fc.double({ min: -2, max: 2, noNaN: true }).filter((v) => Math.abs(Math.abs(v) - 1) > 0.05);
    fc.assert(
      fc.property(
        shapeArb(small).chain((s) => valuesArb(s, el)),
        (spec) => check((x) => clip(x, -1, 1), [spec]),
      ),
      { numRuns: RUNS },
    );
  });

  it('broadcastTo repeats each element along the broadcast dimensions (naive index map)', () => {
    fc.assert(
      fc.property(
        broadcastableShapesArb(small).chain(([a, b]) =>
          fc.tuple(fc.constant(a), fc.constant(broadcastShapes('t', a, b))),
        ),
        ([shape, target]) => {
          const n = shape.reduce((p, d) => p * d, 1);
          const values = Float32Array.from({ length: n }, (_, i) => i + 1);
          const got = broadcastTo(tensor(values, shape), target).dataSync();
          const lead = target.length - shape.length;
          const total = target.reduce((p, d) => p * d, 1);
          for (let flat = 0; flat < total; flat++) {
            // The source index: each coordinate of the target, 0 where the source dimension is 1.
            let rest = flat;
            let src = 0;
            let stride = 1;
            for (let k = target.length - 1; k >= lead; k--) {
              const coord = rest % target[k]!;
              rest = Math.floor(rest / target[k]!);
              const dim = shape[k - lead]!;
              src += (dim === 1 ? 0 : coord) * stride;
              stride *= dim;
            }
            expect(got[flat]).toBe(values[src]);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('broadcastTo sums the gradient back', () => {
    fc.assert(
      fc.property(
        broadcastableShapesArb(small).chain(([a, b]) =>
          fc.tuple(tensorArb(a), fc.constant(broadcastShapes('t', a, b))),
        ),
        ([spec, target]) => {
          return check((x) => broadcastTo(x, target), [spec]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('binary ops with broadcasting: gradcheck in float64', () => {
  const pairArb = (ra: object = {}, rb: object = {}) =>
    broadcastableShapesArb(small).chain(([a, b]) => fc.tuple(tensorArb(a, 'float64', ra), tensorArb(b, 'float64', rb)));
  const cases: [string, (a: Tensor, b: Tensor) => Tensor, object, object][] = [
    ['add', add, {}, {}],
    ['sub', sub, {}, {}],
    ['mul', mul, {}, {}],
    ['div', div, {}, { awayFromZero: 0.4 }],
    ['pow', pow, { min: 0.3, max: 2 }, { min: -2, max: 2 }],
  ];
  for (const [name, f, ra, rb] of cases) {
    it(name, () => {
      fc.assert(
        fc.property(pairArb(ra, rb), fc.boolean(), ([a, b], swap) => {
          if (name === 'div' || name === 'pow') return check(f, [a, b]);
          return swap ? check(f, [b, a]) : check(f, [a, b]);
        }),
        { numRuns: RUNS },
      );
    });
  }

  // a is never within 0.1 of an integer, b is an integer: no ties, so no kinks.
  const distinctPair = broadcastableShapesArb(small).chain(([a, b]) =>
    fc.tuple(valuesArb(a, offInteger), valuesArb(b, fc.integer({ min: -2, max: 2 }))),
  );
  for (const [name, f] of [
    ['maximum', maximum],
    ['minimum', minimum],
  ] as const) {
    it(name, () => {
      fc.assert(
        fc.property(distinctPair, fc.boolean(), ([a, b], swap) => (swap ? check(f, [b, a]) : check(f, [a, b]))),
        { numRuns: RUNS },
      );
    });
  }

  it('where (cond broadcast with both branches)', () => {
    const arb = broadcastableShapesArb(small).chain(([a, b]) => {
      const full = broadcastShapes('t', a, b);
      return fc.tuple(tensorArb(a), tensorArb(b), tensorArb(full, 'bool'));
    });
    fc.assert(
      fc.property(arb, ([a, b, c]) =>
        tidy(() => {
          const cond = c.make();
          return gradcheck((x, y) => where(cond, x, y), [a.make(), b.make()]);
        }),
      ),
      { numRuns: RUNS },
    );
  });

  it('scalar operands (numbers) on either side', () => {
    fc.assert(
      fc.property(
        shapeArb(small).chain((s) => tensorArb(s, 'float64', { awayFromZero: 0.3 })),
        (spec) => check((x) => add(mul(sub(3, x), 2), div(1.5, x)), [spec]),
      ),
      { numRuns: RUNS },
    );
  });
});

describe('second derivatives (gradgradcheck)', () => {
  const one = (range: object = {}) => shapeArb({ maxRank: 2, maxDim: 3 }).chain((s) => tensorArb(s, 'float64', range));
  const two = (ra: object = {}, rb: object = {}) =>
    broadcastableShapesArb({ maxRank: 2, maxDim: 3 }).chain(([a, b]) =>
      fc.tuple(tensorArb(a, 'float64', ra), tensorArb(b, 'float64', rb)),
    );
  it('mul', () =>
    fc.assert(
      fc.property(two(), ([a, b]) => check2(mul, [a, b])),
      { numRuns: 10 },
    ));
  it('div', () =>
    fc.assert(
      fc.property(two({}, { awayFromZero: 0.5 }), ([a, b]) => check2(div, [a, b])),
      { numRuns: 10 },
    ));
  it('pow', () =>
    fc.assert(
      fc.property(two({ min: 0.5, max: 2 }, { min: -2, max: 2 }), ([a, b]) => check2(pow, [a, b])),
      { numRuns: 10 },
    ));
  it('exp', () =>
    fc.assert(
      fc.property(one(), (a) => check2(exp, [a])),
      { numRuns: 10 },
    ));
  it('log', () =>
    fc.assert(
      fc.property(one({ min: 0.3, max: 3 }), (a) => check2(log, [a])),
      { numRuns: 10 },
    ));
  it('tanh', () =>
    fc.assert(
      fc.property(one(), (a) => check2(tanh, [a])),
      { numRuns: 10 },
    ));
  it('sigmoid', () =>
    fc.assert(
      fc.property(one(), (a) => check2(sigmoid, [a])),
      { numRuns: 10 },
    ));
  it('sqrt, reciprocal, sin', () =>
    fc.assert(
      fc.property(one({ min: 0.3, max: 3 }), (a) => check2((x) => add(add(sqrt(x), reciprocal(x)), sin(x)), [a])),
      { numRuns: 10 },
    ));
});

describe('forward values equal naive float64 references', () => {
  type Values = (
    shape: number[],
  ) => fc.Arbitrary<{ shape: readonly number[]; values: Float64Array; make: () => Tensor }>;
  const anyValues: Values = (s) => tensorArb(s);
  const nonZero: Values = (s) => tensorArb(s, 'float64', { awayFromZero: 0.1 });
  /** Few distinct values, so equal elements (ties) are common rather than measure-zero. */
  const tied: Values = (s) => valuesArb(s, fc.integer({ min: -2, max: 2 }));
  const pair = ([va, vb]: [Values, Values]) =>
    broadcastableShapesArb({ maxRank: 4, maxDim: 4 }).chain(([a, b]) => fc.tuple(va(a), vb(b)));
  const ops: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number, [Values, Values]][] = [
    ['add', add, (x, y) => x + y, [anyValues, anyValues]],
    ['sub', sub, (x, y) => x - y, [anyValues, anyValues]],
    ['mul', mul, (x, y) => x * y, [anyValues, anyValues]],
    ['div', div, (x, y) => x / y, [anyValues, nonZero]],
    ['maximum', maximum, Math.max, [tied, tied]],
    ['minimum', minimum, Math.min, [tied, tied]],
    ['pow', (a, b) => pow(abs(a), b), (x, y) => Math.abs(x) ** y, [anyValues, anyValues]],
    ['greater', greater, (x, y) => (x > y ? 1 : 0), [tied, tied]],
    ['less', less, (x, y) => (x < y ? 1 : 0), [tied, tied]],
    ['equal', equal, (x, y) => (x === y ? 1 : 0), [tied, tied]],
  ];
  for (const [name, f, ref, values] of ops) {
    it(`${name} broadcasts like NumPy`, () => {
      fc.assert(
        fc.property(pair(values), fc.boolean(), ([a, b], swap) =>
          tidy(() => {
            const [p, q] = swap ? [b, a] : [a, b];
            const y = f(p.make(), q.make());
            const want = naiveBinary([...p.shape], p.values, [...q.shape], q.values, ref);
            expect(y.shape).toEqual(want.shape);
            expectAllClose(y.dataSync(), want.values);
          }),
        ),
        { numRuns: 30 },
      );
    });
  }

  it('where picks by condition with broadcasting', () => {
    fc.assert(
      fc.property(
        broadcastableShapesArb({ maxRank: 3, maxDim: 4 }).chain(([a, b]) =>
          fc.tuple(tensorArb(a), tensorArb(b), tensorArb(a, 'bool')),
        ),
        ([a, b, c]) =>
          tidy(() => {
            const y = where(c.make(), a.make(), b.make());
            const condByA = naiveBinary([...a.shape], c.values, [...b.shape], b.values, (cv) => cv);
            const aB = naiveBinary([...a.shape], a.values, [...b.shape], b.values, (x) => x);
            const bB = naiveBinary([...a.shape], a.values, [...b.shape], b.values, (_x, v) => v);
            expectAllClose(
              y.dataSync(),
              condByA.values.map((cv, i) => (cv ? aB.values[i]! : bB.values[i]!)),
            );
          }),
      ),
      { numRuns: 30 },
    );
  });

  it('unary ops match Math in float64', () => {
    const table: [(x: Tensor) => Tensor, (v: number) => number, number][] = [
      [exp, Math.exp, 2],
      [tanh, Math.tanh, 2],
      [sigmoid, (v) => 1 / (1 + Math.exp(-v)), 2],
      [sin, Math.sin, 2],
      [cos, Math.cos, 2],
      [expm1, Math.expm1, 2],
      [abs, Math.abs, 2],
      [relu, (v) => Math.max(v, 0), 2],
      [neg, (v) => -v, 2],
      [square, (v) => v * v, 2],
      [sign, Math.sign, 2],
      [floor, Math.floor, 2],
      [ceil, Math.ceil, 2],
      [(x) => leakyRelu(x, 0.1), (v) => (v > 0 ? v : 0.1 * v), 2],
      [(x) => clip(x, -0.5, 0.7), (v) => Math.min(Math.max(v, -0.5), 0.7), 2],
    ];
    fc.assert(
      fc.property(
        shapeArb({ maxRank: 3, maxDim: 4 }).chain((s) => tensorArb(s, 'float64', { min: -3, max: 3 })),
        (spec) =>
          tidy(() => {
            const x = spec.make();
            for (const [f, ref] of table) expectAllClose(f(x).dataSync(), Array.from(spec.values, ref), 1e-14);
            const pos = abs(x);
            expectAllClose(
              log1p(pos).dataSync(),
              Array.from(spec.values, (v) => Math.log1p(Math.abs(v))),
              1e-14,
            );
          }),
      ),
      { numRuns: 30 },
    );
  });

  it('round rounds half to even (PyTorch)', () => {
    expect(round(tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6])).toArray()).toEqual([0, 2, 2, -0, -2, 2, 3]);
  });

  it('dtype promotion: int32 + float32 → float32, bool + int32 → int32, div of ints → float32', () => {
    tidy(() => {
      const i = tensor([1, 2, 3], undefined, 'int32');
      const f = tensor([0.5, 0.5, 0.5]);
      expect(add(i, f).dtype).toBe('float32');
      expect(add(i, f).toArray()).toEqual([1.5, 2.5, 3.5]);
      expect(add(tensor([true, false, true]), i).dtype).toBe('int32');
      const q = div(tensor([1, 3], undefined, 'int32'), tensor([2, 2], undefined, 'int32'));
      expect(q.dtype).toBe('float32');
      expect(q.toArray()).toEqual([0.5, 1.5]);
      expect(add(tensor(new Float64Array([1])), f).dtype).toBe('float64');
    });
  });

  it('cast: float→int truncates toward zero, →bool tests ≠ 0, float32→float64 gradient comes back float32', () => {
    tidy(() => {
      expect(cast(tensor([1.7, -1.7, 0.2]), 'int32').toArray()).toEqual([1, -1, 0]);
      expect(cast(tensor([0, 2, -0.5]), 'bool').toArray()).toEqual([false, true, true]);
      const x = tensor([1, 2, 3]);
      const g = grad((t) => sum(mul(cast(t, 'float64'), 2)))(x);
      expect(g.dtype).toBe('float32');
      expect(g.toArray()).toEqual([2, 2, 2]);
    });
  });
});
