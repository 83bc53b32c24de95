// Tensor creation, reading, disposal, aliasing and seeded randomness.
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  tensor,
  scalar,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  arange,
  rand,
  randn,
  uniform,
  setSeed,
  Random,
  memory,
  reshape,
  stopGradient,
  tidy,
  sizeOf,
  broadcastShapes,
} from '@gradstream/core';
import { shapeArb, broadcastableShapesArb } from '@gradstream/core/testing';

describe('creation and reading', () => {
  it('nested arrays round-trip through toArray with the inferred shape and dtype', () => {
    fc.assert(
      fc.property(
        shapeArb({ maxRank: 4, maxDim: 3 }).chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.array(fc.integer({ min: -100, max: 100 }), { minLength: sizeOf(s), maxLength: sizeOf(s) }),
          ),
        ),
        ([shape, flat]) =>
          tidy(() => {
            // build the nested array by hand
            const build = (dim: number, off: number): unknown => {
              if (dim === shape.length) return flat[off];
              const stride = sizeOf(shape.slice(dim + 1));
              return Array.from({ length: shape[dim]! }, (_, i) => build(dim + 1, off + i * stride));
            };
            const nested = build(0, 0) as number[];
            const t = tensor(nested);
            expect(t.shape).toEqual(shape);
            expect(t.dtype).toBe('float32');
            expect(t.size).toBe(sizeOf(shape));
            expect(t.rank).toBe(shape.length);
            expect(t.toArray()).toEqual(nested);
            expect(Array.from(t.dataSync())).toEqual(flat);
          }),
      ),
      { numRuns: 40 },
    );
  });
  it('typed arrays choose the dtype; booleans become bool', () => {
    tidy(() => {
      expect(tensor(new Float64Array([1, 2])).dtype).toBe('float64');
      expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
      expect(tensor([true, false]).dtype).toBe('bool');
      expect(tensor([true, false]).toArray()).toEqual([true, false]);
      expect(tensor([1.9, -1.9], undefined, 'int32').toArray()).toEqual([1, -1]);
      expect(scalar(3).shape).toEqual([]);
      expect(scalar(3).item()).toBe(3);
    });
  });
  it('full, zeros, ones, *Like, arange', () => {
    tidy(() => {
      expect(full([2, 2], 7).toArray()).toEqual([
        [7, 7],
        [7, 7],
      ]);
      expect(zeros([0, 3]).size).toBe(0);
      const o = ones([2], 'float64');
      expect(onesLike(o).dtype).toBe('float64');
      expect(zerosLike(o).toArray()).toEqual([0, 0]);
      expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
      expect(arange(0, 1, 0.25).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
      expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    });
  });
  it('a ragged nested array is rejected', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/);
  });
  it('broadcastShapes agrees with the NumPy rule on generated pairs', () => {
    fc.assert(
      fc.property(broadcastableShapesArb(), ([a, b]) => {
        const out = broadcastShapes('t', a, b);
        const r = Math.max(a.length, b.length);
        const pa = [...new Array(r - a.length).fill(1), ...a];
        const pb = [...new Array(r - b.length).fill(1), ...b];
        expect(out).toEqual(pa.map((d, i) => (d === 1 ? pb[i] : d)));
      }),
      { numRuns: 50 },
    );
  });
});

describe('disposal and aliasing', () => {
  it('memory counts tensors and bytes; dispose releases them', () => {
    const before = memory();
    const t = zeros([10], 'float64');
    expect(memory().numTensors).toBe(before.numTensors + 1);
    expect(memory().numBytes).toBe(before.numBytes + 80);
    t.dispose();
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });
  it('a reshape alias keeps the storage alive after the original is disposed', () => {
    const before = memory();
    const a = tensor([1, 2, 3, 4]);
    const b = reshape(a, [2, 2]);
    const c = stopGradient(a);
    expect(memory().numBytes).toBe(before.numBytes + 16); // one storage, three tensors
    expect(memory().numTensors).toBe(before.numTensors + 3);
    a.dispose();
    expect(b.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(memory().numBytes).toBe(before.numBytes + 16);
    b.dispose();
    c.dispose();
    expect(memory().numBytes).toBe(before.numBytes);
    expect(memory().numTensors).toBe(before.numTensors);
  });
  it('Symbol.dispose frees at the end of the block', () => {
    const before = memory().numTensors;
    {
      const t = ones([3]);
      t[Symbol.dispose]();
      expect(t.isDisposed).toBe(true);
    }
    expect(memory().numTensors).toBe(before);
  });
});

describe('seeded randomness', () => {
  it('the same seed gives the same randn, rand and uniform; another seed differs', () => {
    fc.assert(
      fc.property(fc.integer(), shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }), (seed, shape) =>
        tidy(() => {
          setSeed(seed);
          const a = [randn(shape).dataSync(), rand(shape, 'float64').dataSync(), uniform(shape, -3, 3).dataSync()];
          setSeed(seed);
          const b = [randn(shape).dataSync(), rand(shape, 'float64').dataSync(), uniform(shape, -3, 3).dataSync()];
          expect(b).toEqual(a);
          setSeed(seed + 1);
          const c = randn([16]).dataSync();
          setSeed(seed);
          expect(Array.from(randn([16]).dataSync())).not.toEqual(Array.from(c));
        }),
      ),
      { numRuns: 20 },
    );
  });
  it('randn has mean ≈ 0 and std ≈ 1; uniform stays in [low, high)', () => {
    tidy(() => {
      setSeed(7);
      const v = Array.from(randn([20000], 2, 3, 'float64').dataSync());
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
      expect(Math.abs(m - 2)).toBeLessThan(0.1);
      expect(Math.abs(sd - 3)).toBeLessThan(0.1);
      const u = uniform([5000], -1, 4, 'float64').dataSync();
      expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...u)).toBeLessThan(4);
    });
  });
  it('Random instances are independent of the global generator', () => {
    const r1 = new Random(5);
    const r2 = new Random(5);
    setSeed(0);
    const seq1 = Array.from({ length: 10 }, () => r1.next());
    setSeed(99);
    const seq2 = Array.from({ length: 10 }, () => r2.next());
    expect(seq2).toEqual(seq1);
    expect(seq1.every((v) => v >= 0 && v < 1)).toBe(true);
    const ints = Array.from({ length: 200 }, () => r1.int(3));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2]));
  });
});
