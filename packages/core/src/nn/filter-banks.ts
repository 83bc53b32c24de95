/**
 * Hand-designed filter banks as initializers for a convolution's weight:
 * the classic texts' "masks designed by experts" (edge detectors, Gabor
 * wavelets, difference-of-Gaussians), to compare with filters learned by
 * gradient descent, or to keep fixed.
 *
 * A bank is a list of K two-dimensional kernels for a kh×kw window. It fills
 * a weight [outC, inC, kh, kw] by cycling: output channel o gets kernel
 * o mod K, and every input channel of it gets that kernel divided by inC, so
 * the filter responds to the mean of the input channels (an RGB image of a
 * grey picture gives the grey picture's response). Output channels beyond K
 * repeat the bank; ask for K output channels to use each kernel once.
 *
 * @example
 * ```ts
 * import { Conv2d, gabor, initFilters } from '@gradstream/core/nn';
 * const conv = initFilters(new Conv2d(1, 6, 5), gabor({ orientations: 3 }), { fixed: true });
 * ```
 */
import type { Shape } from '../backend/types.js';
import { tensor } from '../tensor/creation.js';
import { full } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, fmtShape, fmtValue } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import type { Conv2d } from './conv.js';
import type { FloatDType } from './module.js';

/** K two-dimensional kernels for a kh×kw window, each row-major (kh·kw values). */
export interface FilterBank {
  /** Names the bank in errors and pictures ('gabor', 'edges', 'dog'). */
  readonly name: string;
  /** The kernels for a kh×kw window. */
  kernels(kh: number, kw: number): readonly Float64Array[];
}

/**
 * The 3×3 edge detectors, as cross-correlation masks (what `conv2d`
 * computes). `vertical` and `horizontal` are the classic texts' kernels;
 * Sobel and Prewitt x respond to intensity growing to the right, y to
 * intensity growing downwards; the Laplacians to a dark spot.
 */
export const EDGE_KERNELS = {
  vertical: [
    [1, 0, -1],
    [1, 0, -1],
    [1, 0, -1],
  ],
  horizontal: [
    [1, 1, 1],
    [0, 0, 0],
    [-1, -1, -1],
  ],
  sobelX: [
    [-1, 0, 1],
    [-2, 0, 2],
    [-1, 0, 1],
  ],
  sobelY: [
    [-1, -2, -1],
    [0, 0, 0],
    [1, 2, 1],
  ],
  prewittX: [
    [-1, 0, 1],
    [-1, 0, 1],
    [-1, 0, 1],
  ],
  prewittY: [
    [-1, -1, -1],
    [0, 0, 0],
    [1, 1, 1],
  ],
  laplacian4: [
    [0, 1, 0],
    [1, -4, 1],
    [0, 1, 0],
  ],
  laplacian8: [
    [1, 1, 1],
    [1, -8, 1],
    [1, 1, 1],
  ],
} as const satisfies Record<string, readonly (readonly number[])[]>;

/** A kernel of {@link EDGE_KERNELS}. */
export type EdgeKernelName = keyof typeof EDGE_KERNELS;

/** Both polarities of vertical and horizontal edges, then the two Laplacians: six kernels, one per LeNet-5 conv1 channel. */
const DEFAULT_EDGES: readonly EdgeKernelName[] = [
  'vertical',
  'horizontal',
  'sobelX',
  'sobelY',
  'laplacian4',
  'laplacian8',
];

/** Options of {@link edges}. */
export interface EdgeOptions {
  /** Which kernels, in order (vertical, horizontal, sobelX, sobelY, laplacian4, laplacian8). */
  readonly kernels?: readonly EdgeKernelName[];
}

/**
 * The 3×3 edge detectors of {@link EDGE_KERNELS}, their literal values
 * centred in a larger window (zeros around; a window narrower than 3 is
 * refused).
 *
 * @example
 * ```ts
 * initFilters(conv, edges({ kernels: ['sobelX', 'sobelY'] }));
 * ```
 */
export function edges(options: EdgeOptions = {}): FilterBank {
  const { kernels = DEFAULT_EDGES } = checkOptions('edges', options, ['kernels']);
  if (kernels.length === 0) throw new ArgumentError('edges', 'kernels must name at least one kernel');
  for (const k of kernels)
    if (!Object.hasOwn(EDGE_KERNELS, k))
      throw new ArgumentError('edges', `unknown kernel ${fmtValue(k)}; known: ${Object.keys(EDGE_KERNELS).join(', ')}`);
  return {
    name: 'edges',
    kernels(kh, kw) {
      if (kh < 3 || kw < 3) throw new ShapeError('edges', `needs a window of at least 3×3, got ${kh}×${kw}`);
      const top = Math.floor((kh - 3) / 2);
      const left = Math.floor((kw - 3) / 2);
      return kernels.map((name) => {
        const out = new Float64Array(kh * kw);
        EDGE_KERNELS[name].forEach((row, i) => {
          row.forEach((v, j) => {
            out[(top + i) * kw + left + j] = v;
          });
        });
        return out;
      });
    },
  };
}

/** Options of {@link gabor}. */
export interface GaborOptions {
  /** Orientations θ = kπ/n, k = 0 … n−1 (default 4). */
  readonly orientations?: number;
  /** One wavelength λ in pixels per scale (default: half the window's smaller side). */
  readonly wavelengths?: readonly number[];
  /** Phase offsets ψ in radians (default [0, π/2]: the even and odd, cosine and sine, Gabors). */
  readonly phases?: readonly number[];
  /** σ of the Gaussian envelope as a multiple of λ (default 0.56: a bandwidth of one octave). */
  readonly sigmaPerWavelength?: number;
  /** γ, the envelope's aspect ratio across the stripes (default 0.5). */
  readonly aspectRatio?: number;
  /** Subtract each kernel's mean and scale it to unit L2 norm (default true), so a flat patch gives 0. */
  readonly normalize?: boolean;
}

function assertPositive(op: string, name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v))
    throw new ArgumentError(op, `${name} must be a positive number, got ${fmtValue(v)}`);
}

/** Zero mean and unit L2 norm (a kernel that is all one value stays zeros). */
function normalized(k: Float64Array): Float64Array {
  const mean = k.reduce((a, b) => a + b, 0) / k.length;
  for (let i = 0; i < k.length; i++) k[i]! -= mean;
  const norm = Math.sqrt(k.reduce((a, b) => a + b * b, 0));
  if (norm > 1e-12) for (let i = 0; i < k.length; i++) k[i]! /= norm;
  return k;
}

/**
 * Gabor wavelets: g(x, y) = exp(−(x′² + γ²y′²) / 2σ²) · cos(2πx′/λ + ψ) with
 * x′ = x cos θ + y sin θ, y′ = −x sin θ + y cos θ, and (x, y) measured in
 * pixels from the window's centre (x to the right, y down). The bank has
 * orientations × wavelengths × phases kernels, ordered with the phase
 * fastest, then the orientation, then the scale: k = (s·O + o)·P + p.
 *
 * @example
 * ```ts
 * gabor({ orientations: 3 }).kernels(5, 5).length; // 6: 3 orientations × even and odd phase
 * ```
 */
export function gabor(options: GaborOptions = {}): FilterBank {
  const o = checkOptions('gabor', options, [
    'orientations',
    'wavelengths',
    'phases',
    'sigmaPerWavelength',
    'aspectRatio',
    'normalize',
  ]);
  const orientations = o.orientations ?? 4;
  if (!Number.isInteger(orientations) || orientations < 1)
    throw new ArgumentError('gabor', `orientations must be a positive integer, got ${fmtValue(orientations)}`);
  const phases = o.phases ?? [0, Math.PI / 2];
  if (phases.length === 0 || phases.some((p) => !Number.isFinite(p)))
    throw new ArgumentError('gabor', `phases must be finite numbers, got ${fmtValue(phases)}`);
  const sigmaPer = o.sigmaPerWavelength ?? 0.56;
  const gamma = o.aspectRatio ?? 0.5;
  assertPositive('gabor', 'sigmaPerWavelength', sigmaPer);
  assertPositive('gabor', 'aspectRatio', gamma);
  if (o.wavelengths) {
    if (o.wavelengths.length === 0) throw new ArgumentError('gabor', 'wavelengths must list at least one');
    for (const l of o.wavelengths) assertPositive('gabor', 'wavelength', l);
  }
  return {
    name: 'gabor',
    kernels(kh, kw) {
      const wavelengths = o.wavelengths ?? [Math.min(kh, kw) / 2];
      const out: Float64Array[] = [];
      for (const lambda of wavelengths) {
        const sigma = sigmaPer * lambda;
        for (let k = 0; k < orientations; k++) {
          const theta = (k * Math.PI) / orientations;
          const c = Math.cos(theta);
          const s = Math.sin(theta);
          for (const psi of phases) {
            const g = new Float64Array(kh * kw);
            for (let i = 0; i < kh; i++) {
              const y = i - (kh - 1) / 2;
              for (let j = 0; j < kw; j++) {
                const x = j - (kw - 1) / 2;
                const xr = x * c + y * s;
                const yr = -x * s + y * c;
                g[i * kw + j] =
                  Math.exp(-(xr * xr + gamma * gamma * yr * yr) / (2 * sigma * sigma)) *
                  Math.cos((2 * Math.PI * xr) / lambda + psi);
              }
            }
            out.push(o.normalize === false ? g : normalized(g));
          }
        }
      }
      return out;
    },
  };
}

/** Options of {@link differenceOfGaussians}. */
export interface DogOptions {
  /** σ of the centre Gaussian, one per scale (default: a sixth of the window's smaller side). */
  readonly sigmas?: readonly number[];
  /** σ of the surround over σ of the centre (default 1.6, Marr and Hildreth's). */
  readonly ratio?: number;
  /** 'on' (bright centre), 'off' (dark centre) or 'both', on then off per scale (default). */
  readonly polarity?: 'on' | 'off' | 'both';
  /** Scale each kernel to unit L2 norm (default true). */
  readonly normalize?: boolean;
}

/** exp(−r²/2σ²) over the window, centred, scaled to sum 1. */
function gaussian(kh: number, kw: number, sigma: number): Float64Array {
  const g = new Float64Array(kh * kw);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) {
      const y = i - (kh - 1) / 2;
      const x = j - (kw - 1) / 2;
      g[i * kw + j] = Math.exp(-(x * x + y * y) / (2 * sigma * sigma));
    }
  const total = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / total);
}

/**
 * Difference-of-Gaussians (centre-surround) kernels: G(σ) − G(ratio·σ), each
 * Gaussian sampled on the window and scaled to sum 1, so a kernel sums to 0
 * and a flat patch gives no response. Ordered by scale, then polarity.
 *
 * @example
 * ```ts
 * initFilters(conv, differenceOfGaussians({ sigmas: [0.8, 1.2] }), { fixed: true });
 * ```
 */
export function differenceOfGaussians(options: DogOptions = {}): FilterBank {
  const o = checkOptions('differenceOfGaussians', options, ['sigmas', 'ratio', 'polarity', 'normalize']);
  const ratio = o.ratio ?? 1.6;
  assertPositive('differenceOfGaussians', 'ratio', ratio);
  if (ratio === 1) throw new ArgumentError('differenceOfGaussians', 'ratio must differ from 1');
  const polarity = o.polarity ?? 'both';
  if (!['on', 'off', 'both'].includes(polarity))
    throw new ArgumentError('differenceOfGaussians', `polarity must be on, off or both, got ${fmtValue(polarity)}`);
  if (o.sigmas) {
    if (o.sigmas.length === 0) throw new ArgumentError('differenceOfGaussians', 'sigmas must list at least one');
    for (const s of o.sigmas) assertPositive('differenceOfGaussians', 'sigma', s);
  }
  const signs = polarity === 'both' ? [1, -1] : polarity === 'on' ? [1] : [-1];
  return {
    name: 'dog',
    kernels(kh, kw) {
      const out: Float64Array[] = [];
      for (const sigma of o.sigmas ?? [Math.min(kh, kw) / 6]) {
        const centre = gaussian(kh, kw, sigma);
        const surround = gaussian(kh, kw, sigma * ratio);
        const dog = centre.map((v, i) => v - surround[i]!);
        const norm = Math.sqrt(dog.reduce((a, b) => a + b * b, 0));
        const scale = o.normalize === false || norm < 1e-12 ? 1 : 1 / norm;
        for (const sign of signs) out.push(dog.map((v) => sign * scale * v));
      }
      return out;
    },
  };
}

/**
 * A weight of `shape` [outC, inC, kh, kw] filled from `bank`: output
 * channel o gets kernel o mod K, divided by inC on each input channel (see
 * the module comment).
 *
 * @example
 * ```ts
 * filterBankWeight(edges(), [6, 1, 5, 5]).shape; // [6, 1, 5, 5]
 * ```
 */
export function filterBankWeight(bank: FilterBank, shape: Shape, dtype: FloatDType = 'float32'): Tensor {
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1))
    throw new ShapeError(bank.name, `a filter bank fills a weight [outC, inC, kh, kw], got ${fmtShape(shape)}`);
  const [outC, inC, kh, kw] = shape as [number, number, number, number];
  const kernels = bank.kernels(kh, kw);
  if (kernels.length === 0 || kernels.some((k) => k.length !== kh * kw))
    throw new ShapeError(bank.name, `the bank gave no ${kh}×${kw} kernels`);
  const values = new Float64Array(outC * inC * kh * kw);
  for (let oc = 0; oc < outC; oc++) {
    const k = kernels[oc % kernels.length]!;
    for (let ic = 0; ic < inC; ic++) {
      const at = (oc * inC + ic) * kh * kw;
      for (let i = 0; i < kh * kw; i++) values[at + i] = k[i]! / inC;
    }
  }
  return tensor(dtype === 'float64' ? values : Float32Array.from(values), shape, dtype);
}

/** Options of {@link initFilters}. */
export interface InitFiltersOptions {
  /** Freeze the layer (weight and bias) after filling it: the filters stay as designed. Default false. */
  readonly fixed?: boolean;
  /** 'zero' (default: a designed filter has no offset) or 'keep' the layer's bias as it is. */
  readonly bias?: 'zero' | 'keep';
}

/**
 * Fills a Conv2d's weight from `bank` (in the weight's dtype), zeroes its
 * bias, and with `fixed` freezes the layer, so "this layer is fixed" is one
 * line. Returns the layer. A grouped convolution's weight [outC, inC/groups,
 * kh, kw] is filled the same way.
 *
 * @example
 * ```ts
 * const conv1 = initFilters(model.features.children()[0] as Conv2d, gabor({ orientations: 3 }), { fixed: true });
 * ```
 */
export function initFilters<C extends Conv2d>(conv: C, bank: FilterBank, options: InitFiltersOptions = {}): C {
  const { fixed = false, bias = 'zero' } = checkOptions('initFilters', options, ['fixed', 'bias']);
  if (bias !== 'zero' && bias !== 'keep')
    throw new ArgumentError('initFilters', `bias must be 'zero' or 'keep', got ${fmtValue(bias)}`);
  const w = conv.weight;
  conv.weight.adopt(filterBankWeight(bank, w.shape, w.dtype as FloatDType));
  if (conv.bias && bias === 'zero') conv.bias.adopt(full(conv.bias.shape, 0, conv.bias.dtype));
  if (fixed) conv.freeze();
  return conv;
}
