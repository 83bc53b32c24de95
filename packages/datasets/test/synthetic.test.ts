import { describe, expect, it } from 'vitest';
import { DatasetError, fromArrays, synthetic, type Dataset } from '@gradstream/datasets';

function images(ds: Dataset): Float32Array[] {
  return Array.from({ length: ds.length }, (_, i) => ds.get(i).image);
}

/** Mean image per class. */
function classMeans(ds: Dataset): Float64Array[] {
  const [c, h, w] = ds.imageShape;
  const means = ds.classes.map(() => new Float64Array(c * h * w));
  const counts = ds.classes.map(() => 0);
  for (let i = 0; i < ds.length; i++) {
    const { image, label } = ds.get(i);
    image.forEach((v, p) => {
      means[label]![p]! += v;
    });
    counts[label]!++;
  }
  return means.map((m, k) => m.map((v) => v / counts[k]!));
}

describe('synthetic.xo', () => {
  it('balanced X (0) and O (1) images of the requested size, reproducible from the seed', () => {
    const ds = synthetic.xo({ count: 100, seed: 3 });
    expect(ds.imageShape).toEqual([1, 8, 8]);
    expect(ds.classes).toEqual(['X', 'O']);
    expect(ds.length).toBe(100);
    expect(images(ds).filter((_, i) => ds.get(i).label === 0)).toHaveLength(50);
    expect(images(synthetic.xo({ count: 100, seed: 3 }))).toEqual(images(ds));
    expect(images(synthetic.xo({ count: 100, seed: 4 }))).not.toEqual(images(ds));
    for (const img of images(ds)) expect(img.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('draws what the label says: X has ink at the centre, O has a hollow centre', () => {
    const ds = synthetic.xo({ size: 9, count: 400, noise: 0, maxShift: 0.5 });
    const [x, o] = classMeans(ds);
    const centre = 4 * 9 + 4;
    expect(x![centre]!).toBeGreaterThan(0.8);
    expect(o![centre]!).toBeLessThan(0.1);
  });

  it('varies samples of the same class (shift, scale, noise)', () => {
    const ds = synthetic.xo({ count: 10 });
    expect(ds.get(0).image).not.toEqual(ds.get(2).image);
  });
});

describe('synthetic.edges', () => {
  it('k orientations as k balanced classes', () => {
    const ds = synthetic.edges({ count: 80, orientations: 4, size: 11 });
    expect(ds.classes).toEqual(['0°', '45°', '90°', '135°']);
    expect(ds.imageShape).toEqual([1, 11, 11]);
    expect(new Set(Array.from({ length: 80 }, (_, i) => ds.get(i).label)).size).toBe(4);
  });

  it('0° is horizontal and 90° vertical: ink lies along the matching axis', () => {
    const ds = synthetic.edges({ count: 400, size: 11, noise: 0, maxShift: 0 });
    const [h, , v] = classMeans(ds);
    const at = (m: Float64Array, y: number, x: number) => m[y * 11 + x]!;
    expect(at(h!, 5, 1)).toBeGreaterThan(0.5); // on the horizontal bar
    expect(at(h!, 1, 5)).toBeLessThan(0.05);
    expect(at(v!, 1, 5)).toBeGreaterThan(0.5);
    expect(at(v!, 5, 1)).toBeLessThan(0.05);
  });

  it('rejects impossible options', () => {
    expect(() => synthetic.edges({ orientations: 0 })).toThrow(RangeError);
    expect(() => synthetic.xo({ size: 2 })).toThrow(RangeError);
  });
});

describe('fromArrays', () => {
  const shape = { imageShape: [1, 1, 2] as const, classes: ['a', 'b'] };

  it('keeps bytes as bytes and scales them to [0, 1] on access', () => {
    const ds = fromArrays(new Uint8Array([0, 255, 51, 0]), [1, 0], shape);
    expect([...ds.get(0).image]).toEqual([0, 1]);
    expect(ds.get(1).image[0]).toBeCloseTo(0.2, 6);
    expect(ds.get(0).label).toBe(1);
  });

  it('accepts floats in [0, 1], flat or one array per image', () => {
    expect([...fromArrays([0.5, 0.25, 1, 0], [0, 1], shape).get(0).image]).toEqual([0.5, 0.25]);
    expect([
      ...fromArrays(
        [
          [0.5, 0.25],
          [1, 0],
        ],
        [0, 1],
        shape,
      ).get(1).image,
    ]).toEqual([1, 0]);
  });

  it('rejects mismatched sizes, bad labels and out-of-range pixels with DatasetError', () => {
    expect(() => fromArrays([0, 0, 0], [0, 1], shape)).toThrow(expect.objectContaining({ code: 'count-mismatch' }));
    expect(() => fromArrays([[0, 0], [0]], [0, 1], shape)).toThrow(
      expect.objectContaining({ code: 'count-mismatch', offset: 1 }),
    );
    expect(() => fromArrays([0, 0, 0, 0], [0, 2], shape)).toThrow(
      expect.objectContaining({ code: 'label-range', offset: 1 }),
    );
    expect(() => fromArrays([0, 0, 0, 0], [0, 0.5], shape)).toThrow(expect.objectContaining({ code: 'label-range' }));
    expect(() => fromArrays([0, 2, 0, 0], [0, 1], shape)).toThrow(
      expect.objectContaining({ code: 'bad-value', offset: 1 }),
    );
    expect(() => fromArrays([0, Number.NaN, 0, 0], [0, 1], shape)).toThrow(DatasetError);
  });

  it('get() outside the dataset is a RangeError', () => {
    const ds = fromArrays(new Uint8Array(4), [0, 1], shape);
    expect(() => ds.get(2)).toThrow(RangeError);
    expect(() => ds.get(-1)).toThrow(RangeError);
  });
});
