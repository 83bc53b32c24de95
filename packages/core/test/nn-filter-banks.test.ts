// Filter banks as Conv2d initializers: Gabor and difference-of-Gaussians
// against naive references written here from the textbook formulas, the edge
// detectors against their literal values, the channel-filling rule, and
// initFilters' one-line "fixed layer".
import '@gradstream/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, UnknownOptionError, conv2d, tensor, tidy } from '@gradstream/core';
import {
  Conv2d,
  EDGE_KERNELS,
  differenceOfGaussians,
  edges,
  filterBankWeight,
  gabor,
  initFilters,
} from '@gradstream/core/nn';

/** Gabor by the complex form: Re(envelope · e^{i(2πx′/λ+ψ)}), rotating (x, y) with a rotation matrix. */
function referenceGabor(kh: number, kw: number, theta: number, lambda: number, psi: number, gamma = 0.5): number[] {
  const sigma = 0.56 * lambda;
  const rot = [
    [Math.cos(theta), Math.sin(theta)],
    [-Math.sin(theta), Math.cos(theta)],
  ];
  const vals: number[] = [];
  for (let row = 0; row < kh; row++)
    for (let col = 0; col < kw; col++) {
      const p = [col - (kw - 1) / 2, row - (kh - 1) / 2];
      const xr = rot[0]![0]! * p[0]! + rot[0]![1]! * p[1]!;
      const yr = rot[1]![0]! * p[0]! + rot[1]![1]! * p[1]!;
      const envelope = Math.exp(-(xr ** 2 + (gamma * yr) ** 2) / (2 * sigma ** 2));
      const phase = (2 * Math.PI * xr) / lambda + psi;
      vals.push(envelope * Math.cos(phase));
    }
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  const centred = vals.map((v) => v - mean);
  const norm = Math.hypot(...centred);
  return norm > 1e-12 ? centred.map((v) => v / norm) : centred;
}

function referenceDog(kh: number, kw: number, sigma: number, ratio: number): number[] {
  const g = (s: number): number[] => {
    const v: number[] = [];
    for (let r = 0; r < kh; r++)
      for (let c = 0; c < kw; c++) v.push(Math.exp(-((r - (kh - 1) / 2) ** 2 + (c - (kw - 1) / 2) ** 2) / (2 * s * s)));
    const total = v.reduce((a, b) => a + b, 0);
    return v.map((x) => x / total);
  };
  const a = g(sigma);
  const b = g(sigma * ratio);
  const d = a.map((v, i) => v - b[i]!);
  const norm = Math.hypot(...d);
  return d.map((v) => v / norm);
}

const close = (got: ArrayLike<number>, want: readonly number[], digits = 12): void => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]!).toBeCloseTo(want[i]!, digits);
};

describe('gabor', () => {
  it('matches the complex-form reference for every orientation, scale and phase, in bank order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 9 }),
        fc.integer({ min: 3, max: 9 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.double({ min: 1.5, max: 8, noNaN: true }), { minLength: 1, maxLength: 3 }),
        (kh, kw, orientations, wavelengths) => {
          const phases = [0, Math.PI / 2, 1];
          const ks = gabor({ orientations, wavelengths, phases }).kernels(kh, kw);
          expect(ks.length).toBe(orientations * wavelengths.length * phases.length);
          wavelengths.forEach((lambda, s) => {
            for (let o = 0; o < orientations; o++)
              phases.forEach((psi, p) => {
                close(
                  ks[(s * orientations + o) * phases.length + p]!,
                  referenceGabor(kh, kw, (o * Math.PI) / orientations, lambda, psi),
                );
              });
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('even kernels are symmetric under a half turn, odd ones antisymmetric, θ = 90° is θ = 0 transposed', () => {
    const [even0, odd0, even90] = gabor({ orientations: 2 }).kernels(5, 5);
    for (let i = 0; i < 25; i++) {
      expect(even0![i]!).toBeCloseTo(even0![24 - i]!, 12);
      expect(odd0![i]!).toBeCloseTo(-odd0![24 - i]!, 12);
      const [r, c] = [Math.floor(i / 5), i % 5];
      expect(even90![c * 5 + r]!).toBeCloseTo(even0![i]!, 12);
    }
  });

  it('without normalize gives the raw formula: 1 at the centre of an odd window for ψ = 0', () => {
    const [k] = gabor({ orientations: 1, phases: [0], normalize: false }).kernels(5, 5);
    expect(k![12]).toBe(1);
  });

  it('rejects bad options with typed errors', () => {
    expect(() => gabor({ orientations: 0 })).toThrow(ArgumentError);
    expect(() => gabor({ wavelengths: [-1] })).toThrow(ArgumentError);
    expect(() => gabor({ orientation: 3 } as never)).toThrow(UnknownOptionError);
  });
});

describe('differenceOfGaussians', () => {
  it('matches the reference, on then off per scale, each kernel summing to 0', () => {
    const ks = differenceOfGaussians({ sigmas: [0.8, 1.3], ratio: 1.6 }).kernels(5, 7);
    expect(ks.length).toBe(4);
    close(ks[0]!, referenceDog(5, 7, 0.8, 1.6));
    close(
      ks[1]!,
      referenceDog(5, 7, 0.8, 1.6).map((v) => -v),
    );
    close(ks[2]!, referenceDog(5, 7, 1.3, 1.6));
    for (const k of ks) expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
    expect(ks[0]![17]!).toBeGreaterThan(0); // bright centre
    expect(differenceOfGaussians({ polarity: 'off' }).kernels(5, 5).length).toBe(1);
    expect(() => differenceOfGaussians({ ratio: 1 })).toThrow(ArgumentError);
  });
});

describe('edges', () => {
  it('has the literal Sobel, Prewitt, Laplacian and the classic vertical/horizontal values', () => {
    expect(EDGE_KERNELS.sobelX).toEqual([
      [-1, 0, 1],
      [-2, 0, 2],
      [-1, 0, 1],
    ]);
    expect(EDGE_KERNELS.sobelY).toEqual([
      [-1, -2, -1],
      [0, 0, 0],
      [1, 2, 1],
    ]);
    expect(EDGE_KERNELS.prewittX).toEqual([
      [-1, 0, 1],
      [-1, 0, 1],
      [-1, 0, 1],
    ]);
    expect(EDGE_KERNELS.laplacian4).toEqual([
      [0, 1, 0],
      [1, -4, 1],
      [0, 1, 0],
    ]);
    expect(EDGE_KERNELS.laplacian8).toEqual([
      [1, 1, 1],
      [1, -8, 1],
      [1, 1, 1],
    ]);
    expect(EDGE_KERNELS.vertical).toEqual([
      [1, 0, -1],
      [1, 0, -1],
      [1, 0, -1],
    ]);
    expect(EDGE_KERNELS.horizontal).toEqual([
      [1, 1, 1],
      [0, 0, 0],
      [-1, -1, -1],
    ]);
  });

  it('fills a weight: literal values for one input channel, centred in 5×5, cycled over output channels', () => {
    tidy(() => {
      const w = filterBankWeight(edges(), [8, 1, 5, 5], 'float64').toArray() as number[][][][];
      // Channel 2 is sobelX, centred: rows 1–3, columns 1–3.
      expect(w[2]![0]).toEqual([
        [0, 0, 0, 0, 0],
        [0, -1, 0, 1, 0],
        [0, -2, 0, 2, 0],
        [0, -1, 0, 1, 0],
        [0, 0, 0, 0, 0],
      ]);
      expect(w[6]).toEqual(w[0]); // 6 kernels: channel 6 repeats channel 0
      expect(w[7]).toEqual(w[1]);
      const exact = filterBankWeight(edges({ kernels: ['sobelY'] }), [1, 1, 3, 3], 'float64').toArray();
      expect(exact).toEqual([[EDGE_KERNELS.sobelY]]);
    });
  });

  it('divides by the input channels, so a grey image copied to three channels gives the grey response', () => {
    tidy(() => {
      const step = [0, 0, 0, 1, 1, 1];
      const grey = tensor([[Array.from({ length: 6 }, () => step)]], undefined, 'float64');
      const rgb = tensor([[0, 1, 2].map(() => Array.from({ length: 6 }, () => step))], undefined, 'float64');
      const bank = edges({ kernels: ['sobelX'] });
      const y1 = conv2d(grey, filterBankWeight(bank, [1, 1, 3, 3], 'float64'));
      const y3 = conv2d(rgb, filterBankWeight(bank, [1, 3, 3, 3], 'float64'));
      // Sobel x across a dark-to-bright step: 1 + 2 + 1 where the window straddles it.
      expect((y1.toArray() as number[][][][])[0]![0]![0]).toEqual([0, 4, 4, 0]);
      const a = y1.dataSync();
      const b = y3.dataSync();
      for (let i = 0; i < a.length; i++) expect(b[i]!).toBeCloseTo(a[i]!, 12);
    });
  });

  it('refuses windows under 3×3, unknown kernels and weights that are not [outC, inC, kh, kw]', () => {
    expect(() => filterBankWeight(edges(), [2, 1, 2, 2])).toThrow(ShapeError);
    expect(() => edges({ kernels: ['roberts' as never] })).toThrow(ArgumentError);
    expect(() => filterBankWeight(gabor(), [2, 5, 5])).toThrow(/\[2,5,5\]|\[2, 5, 5\]/);
  });
});

describe('initFilters', () => {
  it('fills the weight in its dtype, zeroes the bias and with fixed freezes the layer', () => {
    const conv = new Conv2d(1, 6, 5, { dtype: 'float64' });
    const same = initFilters(conv, gabor({ orientations: 3 }), { fixed: true });
    expect(same).toBe(conv);
    expect(conv.weight.requiresGrad).toBe(false);
    expect(conv.bias!.requiresGrad).toBe(false);
    expect([...conv.bias!.dataSync()]).toEqual([0, 0, 0, 0, 0, 0]);
    const ks = gabor({ orientations: 3 }).kernels(5, 5);
    const w = conv.weight.dataSync();
    ks.forEach((k, o) => {
      close(w.subarray(o * 25, o * 25 + 25), [...k], 15);
    });
    const learned = new Conv2d(1, 6, 5);
    const biasBefore = [...learned.bias!.dataSync()];
    initFilters(learned, edges(), { bias: 'keep' });
    expect(learned.weight.requiresGrad).toBe(true);
    expect([...learned.bias!.dataSync()]).toEqual(biasBefore);
    expect(() => initFilters(learned, edges(), { frozen: true } as never)).toThrow(UnknownOptionError);
    conv.dispose();
    learned.dispose();
  });
});
