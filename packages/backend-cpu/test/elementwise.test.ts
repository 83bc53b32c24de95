import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BinaryOp, DType, Shape, UnaryOp } from '@gradstream/core';
import {
  backend,
  broadcastPairArb,
  expectClose,
  floatDType,
  forEachIndex,
  put,
  randomValues,
  shapeArb,
  sizeOf,
  take,
} from './helpers.js';

const unaryRefs: Record<Exclude<UnaryOp, 'logicalNot' | 'round'>, (v: number) => number> = {
  neg: (v) => -v,
  abs: Math.abs,
  sign: Math.sign,
  square: (v) => v * v,
  sqrt: Math.sqrt,
  rsqrt: (v) => 1 / Math.sqrt(v),
  reciprocal: (v) => 1 / v,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  relu: (v) => Math.max(v, 0),
  floor: Math.floor,
  ceil: Math.ceil,
};

describe('unary', () => {
  it('matches Math on float32 and float64', () => {
    fc.assert(
      fc.property(shapeArb(0, 3), floatDType, fc.nat(), (shape, dtype, seed) => {
        const values = randomValues(sizeOf(shape), seed).map((v) => v * 4);
        for (const [op, ref] of Object.entries(unaryRefs)) {
          const x = put(values, shape, dtype);
          const y = backend.unary(op as UnaryOp, x);
          expect(y.dtype).toBe(dtype);
          expect(y.shape).toEqual(shape);
          expectClose(take(y), values.map(ref), dtype);
          take(x);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('rounds half to even', () => {
    const x = put([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, 2.6, -2.6], [9]);
    expect(take(backend.unary('round', x))).toEqual([-2, -2, -0, 0, 2, 2, 2, 3, -3]);
    take(x);
  });

  it('keeps NaN through relu and sign', () => {
    const x = put([NaN, -1, 2], [3], 'float32');
    expect(take(backend.unary('relu', x))).toEqual([NaN, 0, 2]);
    expect(take(backend.unary('sign', x))).toEqual([NaN, -1, 1]);
    take(x);
  });

  it('runs neg, abs, sign, square on int32 with wrap-around', () => {
    const x = put([-3, 0, 7, 65536, -2147483648], [5], 'int32');
    const run = (op: UnaryOp) => {
      const y = backend.unary(op, x);
      expect(y.dtype).toBe('int32');
      return take(y);
    };
    expect(run('neg')).toEqual([3, 0, -7, -65536, -2147483648]);
    expect(run('abs')).toEqual([3, 0, 7, 65536, -2147483648]);
    expect(run('sign')).toEqual([-1, 0, 1, 1, -1]);
    expect(run('square')).toEqual([9, 0, 49, 0, 0]);
    take(x);
  });

  it('logicalNot maps to bool', () => {
    const x = put([0, 1, 1, 0], [2, 2], 'bool');
    const y = backend.unary('logicalNot', x);
    expect(y.dtype).toBe('bool');
    expect(take(y)).toEqual([1, 0, 0, 1]);
    take(x);
  });
});

/** Independent broadcasting: maps each output multi-index to each operand's index. */
function refBroadcast(
  shapes: Shape[],
  arrays: number[][],
  f: (...v: number[]) => number,
): { shape: number[]; values: number[] } {
  const rank = Math.max(...shapes.map((s) => s.length));
  const shape = Array.from({ length: rank }, (_, i) => Math.max(...shapes.map((s) => s[i - (rank - s.length)] ?? 1)));
  const values: number[] = [];
  forEachIndex(shape, (index) => {
    const args = shapes.map((s, j) => {
      let off = 0;
      for (let i = 0; i < s.length; i++) off = off * s[i]! + (s[i] === 1 ? 0 : index[i + rank - s.length]!);
      return arrays[j]![off]!;
    });
    values.push(f(...args));
  });
  return { shape, values };
}

const arithmetic: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => (Math.abs(a) + 0.5) ** b,
  maximum: Math.max,
  minimum: Math.min,
};
const comparisons: Record<string, (a: number, b: number) => boolean> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  greater: (a, b) => a > b,
  greaterEqual: (a, b) => a >= b,
  less: (a, b) => a < b,
  lessEqual: (a, b) => a <= b,
};

describe('binary', () => {
  it('broadcasts every arithmetic and comparison op like NumPy', () => {
    fc.assert(
      fc.property(broadcastPairArb(), floatDType, fc.nat(), ([sa, sb], dtype, seed) => {
        // A coarse grid of values makes ties (for comparisons and maximum) frequent.
        const av = randomValues(sizeOf(sa), seed).map((v) => Math.round(v * 4) / 2);
        const bv = randomValues(sizeOf(sb), seed + 1).map((v) => Math.round(v * 4) / 2 || 0.25);
        const check = (op: string, f: (a: number, b: number) => number, outDType: DType, a: number[]) => {
          const ta = put(a, sa, dtype);
          const tb = put(bv, sb, dtype);
          const y = backend.binary(op as BinaryOp, ta, tb);
          const ref = refBroadcast([sa, sb], [a, bv], f);
          expect(y.shape).toEqual(ref.shape);
          expect(y.dtype).toBe(outDType);
          expectClose(take(y), ref.values, dtype);
          take(ta);
          take(tb);
        };
        for (const [op, f] of Object.entries(arithmetic)) {
          if (op === 'pow')
            check(
              op,
              (a, b) => a ** b,
              dtype,
              av.map((v) => Math.abs(v) + 0.5),
            );
          else check(op, f, dtype, av);
        }
        for (const [op, f] of Object.entries(comparisons)) check(op, (a, b) => (f(a, b) ? 1 : 0), 'bool', av);
      }),
      { numRuns: 40 },
    );
  });

  it('covers the bias-add and scalar fast paths', () => {
    const x = randomValues(2 * 3 * 4 * 5, 7);
    const bias = randomValues(3, 8);
    const tx = put(x, [2, 3, 4, 5]);
    const tb = put(bias, [3, 1, 1]);
    const ref = refBroadcast(
      [
        [2, 3, 4, 5],
        [3, 1, 1],
      ],
      [x, bias],
      (a, b) => a + b,
    );
    expectClose(take(backend.binary('add', tx, tb)), ref.values, 'float64');
    const ts = put([2], []);
    expectClose(
      take(backend.binary('sub', ts, tx)),
      x.map((v) => 2 - v),
      'float64',
    );
    const row = randomValues(5, 9);
    const tRow = put(row, [5]);
    const rowRef = refBroadcast([[2, 3, 4, 5], [5]], [x, row], (a, b) => a * b);
    expectClose(take(backend.binary('mul', tx, tRow)), rowRef.values, 'float64');
    take(tx);
    take(tb);
    take(ts);
    take(tRow);
  });

  it('wraps int32 arithmetic like C', () => {
    const a = put([2147483647, -5, 123456789, 7], [4], 'int32');
    const b = put([1, 3, 987654321, -2], [4], 'int32');
    expect(take(backend.binary('add', a, b))).toEqual([-2147483648, -2, 1111111110, 5]);
    expect(take(backend.binary('mul', a, b))).toEqual([2147483647, -15, Math.imul(123456789, 987654321), -14]);
    expect(take(backend.binary('maximum', a, b))).toEqual([2147483647, 3, 987654321, 7]);
    take(a);
    take(b);
  });

  it('propagates NaN through maximum and minimum', () => {
    const a = put([NaN, 1], [2]);
    const b = put([0, NaN], [2]);
    expect(take(backend.binary('maximum', a, b))).toEqual([NaN, NaN]);
    expect(take(backend.binary('minimum', a, b))).toEqual([NaN, NaN]);
    take(a);
    take(b);
  });

  it('computes logical ops on bool', () => {
    const a = put([0, 0, 1, 1], [4], 'bool');
    const b = put([0, 1, 0, 1], [4], 'bool');
    expect(take(backend.binary('logicalAnd', a, b))).toEqual([0, 0, 0, 1]);
    expect(take(backend.binary('logicalOr', a, b))).toEqual([0, 1, 1, 1]);
    take(a);
    take(b);
  });
});

describe('where', () => {
  it('broadcasts condition and both branches', () => {
    fc.assert(
      fc.property(broadcastPairArb(), fc.boolean(), floatDType, fc.nat(), ([sa, sb], condFirst, dtype, seed) => {
        const sc = condFirst ? sa : sb;
        const cv = randomValues(sizeOf(sc), seed).map((v) => (v > 0 ? 1 : 0));
        const av = randomValues(sizeOf(sa), seed + 1);
        const bv = randomValues(sizeOf(sb), seed + 2);
        const [tc, ta, tb] = [put(cv, sc, 'bool'), put(av, sa, dtype), put(bv, sb, dtype)];
        const y = backend.where(tc, ta, tb);
        const ref = refBroadcast([sc, sa, sb], [cv, av, bv], (c, a, b) => (c ? a : b));
        expect(y.shape).toEqual(ref.shape);
        expectClose(take(y), ref.values, dtype);
        take(tc);
        take(ta);
        take(tb);
      }),
      { numRuns: 30 },
    );
  });
});

describe('cast', () => {
  it('converts between every pair of dtypes', () => {
    const x = put([-2.7, -0.5, 0, 0.5, 3.9, NaN], [6], 'float64');
    expect(take(backend.cast(x, 'int32'))).toEqual([-2, 0, 0, 0, 3, 0]);
    expect(take(backend.cast(x, 'bool'))).toEqual([1, 1, 0, 1, 1, 1]);
    expect(take(backend.cast(x, 'float32'))).toEqual([-2.7, -0.5, 0, 0.5, 3.9, NaN].map(Math.fround));
    const b = put([1, 0, 1], [3], 'bool');
    const f = backend.cast(b, 'float32');
    expect(f.dtype).toBe('float32');
    expect(take(f)).toEqual([1, 0, 1]);
    const i = put([5, -6], [2], 'int32');
    expect(take(backend.cast(i, 'float64'))).toEqual([5, -6]);
    take(x);
    take(b);
    take(i);
  });
});
