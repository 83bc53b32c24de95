import { describe, expect, it } from 'vitest';
import { compose, horizontalFlip, normalize, randomCrop, randomShift, type BatchArrays } from '@gradstream/datasets';
import { Random } from '@gradstream/core';

/** A batch whose pixel values encode (sample, channel, row, col), so moves are easy to trace. */
function batch(n: number, c: number, h: number, w: number): BatchArrays {
  const x = new Float32Array(n * c * h * w);
  for (let i = 0; i < x.length; i++) x[i] = i + 1;
  return { x, y: Int32Array.from({ length: n }, (_, i) => i), shape: [n, c, h, w] };
}

function image(b: BatchArrays, s: number, ch: number): number[][] {
  const [, c, h, w] = b.shape;
  return Array.from({ length: h }, (_, y) => [
    ...b.x.subarray(((s * c + ch) * h + y) * w, ((s * c + ch) * h + y + 1) * w),
  ]);
}

describe('normalize', () => {
  it('applies per-channel mean and std', () => {
    const b = batch(2, 2, 1, 2);
    normalize([1, 5], [2, 4])(b, new Random(0));
    expect([...b.x]).toEqual([0, 0.5, -0.5, -0.25, 2, 2.5, 0.5, 0.75]);
  });

  it('accepts scalars and rejects a wrong channel count or non-positive std', () => {
    const b = batch(1, 3, 1, 1);
    normalize(1, 0.5)(b, new Random(0));
    expect([...b.x]).toEqual([0, 2, 4]);
    expect(() => normalize([0, 0], [1, 1])(batch(1, 3, 1, 1), new Random(0))).toThrow(RangeError);
    expect(() => normalize(0, 0)(batch(1, 1, 1, 1), new Random(0))).toThrow(RangeError);
  });
});

describe('randomCrop', () => {
  it('cuts a window of the requested size that is a contiguous part of the zero-padded image', () => {
    const src = batch(20, 2, 4, 5);
    const out = randomCrop([3, 2], { padding: 1 })(batch(20, 2, 4, 5), new Random(1));
    expect(out.shape).toEqual([20, 2, 3, 2]);
    const tops = new Set<number>();
    for (let s = 0; s < 20; s++) {
      // Find the offset by matching against every possible window of the padded source.
      const padded = (ch: number, y: number, x: number) =>
        y < 0 || y >= 4 || x < 0 || x >= 5 ? 0 : image(src, s, ch)[y]![x]!;
      let found: number[] | undefined;
      for (let top = -1; top <= 2 && !found; top++) {
        for (let left = -1; left <= 4 && !found; left++) {
          const same = [0, 1].every((ch) =>
            image(out, s, ch).every((row, y) => row.every((v, x) => v === padded(ch, top + y, left + x))),
          );
          if (same) found = [top, left];
        }
      }
      expect(found).toBeDefined();
      tops.add(found![0]!);
    }
    expect(tops.size).toBeGreaterThan(1);
    expect([...out.y]).toEqual([...src.y]);
  });

  it('without padding and at full size it is the identity', () => {
    expect([...randomCrop([4, 5])(batch(3, 1, 4, 5), new Random(2)).x]).toEqual([...batch(3, 1, 4, 5).x]);
  });

  it('rejects a window larger than the padded image', () => {
    expect(() => randomCrop(7, { padding: 1 })(batch(1, 1, 4, 4), new Random(0))).toThrow(RangeError);
    expect(() => randomCrop(3, { padding: -1 })).toThrow(RangeError);
  });
});

describe('randomShift', () => {
  it('keeps the shape and moves each image by at most maxShift, filling with zeros', () => {
    const out = randomShift(1)(batch(30, 1, 3, 3), new Random(5));
    expect(out.shape).toEqual([30, 1, 3, 3]);
    const shifts = new Set<string>();
    for (let s = 0; s < 30; s++) {
      const img = image(out, s, 0);
      const base = s * 9 + 1;
      // The original centre pixel (value base + 4) lands at (1 + dy, 1 + dx).
      const at = img.flat().indexOf(base + 4);
      expect(at).toBeGreaterThanOrEqual(0);
      const dy = Math.floor(at / 3) - 1;
      const dx = (at % 3) - 1;
      shifts.add(`${dy},${dx}`);
      for (const [y, row] of img.entries()) {
        for (const [x, v] of row.entries()) {
          const sy = y - dy;
          const sx = x - dx;
          expect(v).toBe(sy < 0 || sy > 2 || sx < 0 || sx > 2 ? 0 : base + sy * 3 + sx);
        }
      }
    }
    expect(shifts.size).toBeGreaterThan(4);
  });
});

describe('horizontalFlip', () => {
  it('p = 1 mirrors every row of every channel; p = 0 changes nothing', () => {
    const out = horizontalFlip(1)(batch(2, 2, 2, 3), new Random(0));
    expect(image(out, 1, 1)).toEqual([
      [21, 20, 19],
      [24, 23, 22],
    ]);
    expect([...horizontalFlip(0)(batch(2, 2, 2, 3), new Random(0)).x]).toEqual([...batch(2, 2, 2, 3).x]);
  });

  it('p = 0.5 flips about half of the samples', () => {
    const src = batch(400, 1, 1, 2);
    const out = horizontalFlip(0.5)(batch(400, 1, 1, 2), new Random(9));
    let flipped = 0;
    for (let s = 0; s < 400; s++) if (out.x[2 * s] !== src.x[2 * s]) flipped++;
    expect(flipped).toBeGreaterThan(160);
    expect(flipped).toBeLessThan(240);
  });
});

describe('compose', () => {
  it('applies transforms left to right', () => {
    const out = compose(horizontalFlip(1), normalize(1, 1))(batch(1, 1, 1, 3), new Random(0));
    expect([...out.x]).toEqual([2, 1, 0]);
  });
});
