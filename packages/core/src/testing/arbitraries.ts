import fc from 'fast-check';
import type { DType, Shape } from '../backend/types.js';
import { tensor } from '../tensor/creation.js';
import { sizeOf } from '../tensor/shape.js';
import { type Padding, convOutputSize } from '../ops/conv-geometry.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../util/options.js';

/** Bounds of generated shapes. */
export interface ShapeConstraints {
  readonly minRank?: number;
  readonly maxRank?: number;
  readonly minDim?: number;
  readonly maxDim?: number;
}

/**
 * Shapes with rank and dimensions in the given bounds (default rank 0–4, dims 1–5).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(shapeArb({ minRank: 1 }), (shape) => shape.length >= 1));
 * ```
 */
const SHAPE_CONSTRAINTS = ['minRank', 'maxRank', 'minDim', 'maxDim'] as const;
const VALUE_CONSTRAINTS = ['min', 'max', 'awayFromZero'] as const;

export function shapeArb(c: ShapeConstraints = {}): fc.Arbitrary<number[]> {
  checkOptions('shapeArb', c, SHAPE_CONSTRAINTS);
  return fc.array(fc.integer({ min: c.minDim ?? 1, max: c.maxDim ?? 5 }), {
    minLength: c.minRank ?? 0,
    maxLength: c.maxRank ?? 4,
  });
}

/** Two shapes that broadcast together (some dims of either set to 1, one possibly of lower rank). */
export function broadcastableShapesArb(c: ShapeConstraints = {}): fc.Arbitrary<[number[], number[]]> {
  checkOptions('broadcastableShapesArb', c, SHAPE_CONSTRAINTS);
  return shapeArb(c).chain((full) =>
    fc
      .tuple(
        fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
        fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
        fc.nat({ max: full.length }),
      )
      .map(([onesA, onesB, drop]) => {
        const a = full.map((d, i) => (onesA[i] ? 1 : d));
        const b = full.map((d, i) => (onesB[i] && !onesA[i] ? 1 : d)).slice(drop);
        return [a, b] as [number[], number[]];
      }),
  );
}

/** Values for a tensor: shape, dtype and a flat Float64Array; `make()` builds the tensor on the active backend. */
export interface TensorSpec {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly values: Float64Array;
  make(): Tensor;
}

/** Value range of generated tensors. */
export interface ValueConstraints {
  readonly min?: number;
  readonly max?: number;
  /** Keep every value at least this far from zero (for log, div, sqrt…). */
  readonly awayFromZero?: number;
}

/**
 * Tensor values of a fixed shape and dtype (floats in [min, max], default
 * [−2, 2]; int32 and bool as integers in range).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(tensorArb([2, 3], 'float64'), (spec) => spec.make().size === 6));
 * ```
 */
export function tensorArb(shape: Shape, dtype: DType = 'float64', c: ValueConstraints = {}): fc.Arbitrary<TensorSpec> {
  checkOptions('tensorArb', c, VALUE_CONSTRAINTS);
  const n = sizeOf(shape);
  const min = c.min ?? -2;
  const max = c.max ?? 2;
  let element: fc.Arbitrary<number>;
  if (dtype === 'bool') element = fc.integer({ min: 0, max: 1 });
  else if (dtype === 'int32') element = fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  else {
    element = fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    const away = c.awayFromZero;
    if (away) element = element.map((v) => (Math.abs(v) < away ? (v < 0 ? -away : away) : v));
  }
  return fc.array(element, { minLength: n, maxLength: n }).map((vs) => {
    const values = Float64Array.from(vs);
    return {
      shape,
      dtype,
      values,
      make: () =>
        tensor(
          dtype === 'float32'
            ? Float32Array.from(values)
            : dtype === 'float64'
              ? values
              : dtype === 'int32'
                ? Int32Array.from(values)
                : Uint8Array.from(values),
          shape,
          dtype,
        ),
    };
  });
}

/** A tensor spec with a generated shape. */
export function shapedTensorArb(
  c: ShapeConstraints & ValueConstraints = {},
  dtype: DType = 'float64',
): fc.Arbitrary<TensorSpec> {
  const { min, max, awayFromZero, ...shape } = checkOptions('shapedTensorArb', c, [
    ...SHAPE_CONSTRAINTS,
    ...VALUE_CONSTRAINTS,
  ]);
  return shapeArb(shape).chain((s) => tensorArb(s, dtype, { min, max, awayFromZero }));
}

/** A consistent set of convolution arguments. */
export interface ConvCase {
  readonly rank: 1 | 2 | 3;
  readonly xShape: number[];
  readonly wShape: number[];
  readonly stride: number[];
  readonly dilation: number[];
  /** The padding as [before, after] pairs, the form kernels take. */
  readonly padding: [number, number][];
  /** The same padding in the form to pass to conv1d/2d/3d: a number, one per dimension, pairs, 'valid' or 'same'. */
  readonly paddingArg: Padding;
  readonly groups: number;
}

/** Bounds of generated convolution and pooling cases. */
export interface WindowConstraints {
  readonly rank?: 1 | 2 | 3;
  readonly maxKernel?: number;
  readonly maxStride?: number;
  readonly maxDilation?: number;
  readonly maxBatch?: number;
  readonly maxChannels?: number;
}

function rankArb(c: WindowConstraints): fc.Arbitrary<1 | 2 | 3> {
  return c.rank ? fc.constant(c.rank) : fc.constantFrom(1 as const, 2 as const, 3 as const);
}

/** In 3-D the input is the cube of the dilated span, so dilation shrinks as the kernel grows to keep d(k−1)+1 ≤ 7. */
function capDilation(rank: number, k: number, d: number): number {
  return rank === 3 && k > 1 ? Math.min(d, Math.max(1, Math.floor(6 / (k - 1)))) : d;
}

type PaddingForm = 'number' | 'perDim' | 'pairs' | 'valid' | 'same';

/**
 * Convolution cases with non-empty output: kernel 1–5, stride 1–3,
 * dilation 1–3, padding 0–2 per side in every form the ops accept ('same'
 * with stride 1, as PyTorch requires), groups dividing both channel counts.
 * Spatial sizes shrink with rank to keep 3-D cases small.
 */
const WINDOW_CONSTRAINTS = ['rank', 'maxKernel', 'maxStride', 'maxDilation', 'maxBatch', 'maxChannels'] as const;

export function convCaseArb(c: WindowConstraints = {}): fc.Arbitrary<ConvCase> {
  checkOptions('convCaseArb', c, WINDOW_CONSTRAINTS);
  return rankArb(c).chain((rank) => {
    const dim = fc
      .record({
        k: fc.integer({ min: 1, max: c.maxKernel ?? 5 }),
        s: fc.integer({ min: 1, max: c.maxStride ?? 3 }),
        d: fc.integer({ min: 1, max: c.maxDilation ?? 3 }),
        pb: fc.integer({ min: 0, max: 2 }),
        pa: fc.integer({ min: 0, max: 2 }),
        extra: fc.integer({ min: 0, max: rank === 3 ? 2 : 4 }),
      })
      .map((x) => ({ ...x, d: capDilation(rank, x.k, x.d) }));
    return fc
      .record({
        dims: fc.array(dim, { minLength: rank, maxLength: rank }),
        n: fc.integer({ min: 1, max: c.maxBatch ?? 2 }),
        groups: fc.integer({ min: 1, max: 3 }),
        cPer: fc.integer({ min: 1, max: c.maxChannels ?? 2 }),
        oPer: fc.integer({ min: 1, max: c.maxChannels ?? 2 }),
        form: fc.constantFrom<PaddingForm>('number', 'perDim', 'pairs', 'valid', 'same'),
      })
      .map(({ dims, n, groups, cPer, oPer, form }) => {
        const padding = dims.map(({ k, d, pb, pa }): [number, number] => {
          if (form === 'valid') return [0, 0];
          if (form === 'number') return [dims[0]!.pb, dims[0]!.pb];
          if (form === 'perDim') return [pb, pb];
          if (form === 'pairs') return [pb, pa];
          // PyTorch's 'same' at stride 1: d(k−1) in total, the odd one after.
          const total = d * (k - 1);
          return [Math.floor(total / 2), total - Math.floor(total / 2)];
        });
        const paddingArg: Padding =
          form === 'number'
            ? padding[0]![0]
            : form === 'perDim'
              ? padding.map(([p]) => p)
              : form === 'pairs'
                ? padding
                : form;
        const spatial = dims.map(
          ({ k, d, extra }, i) => Math.max(1, d * (k - 1) + 1 - padding[i]![0] - padding[i]![1]) + extra,
        );
        return {
          rank,
          groups,
          padding,
          paddingArg,
          xShape: [n, groups * cPer, ...spatial],
          wShape: [groups * oPer, cPer, ...dims.map((x) => x.k)],
          stride: dims.map((x) => (form === 'same' ? 1 : x.s)),
          dilation: dims.map((x) => x.d),
        };
      });
  });
}

/** A consistent set of pooling arguments (PyTorch's limit: padding ≤ kernel/2). */
export interface PoolCase {
  readonly rank: 1 | 2 | 3;
  readonly xShape: number[];
  readonly kernel: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly padding: number[];
  readonly ceilMode: boolean;
}

/** Pooling cases with non-empty output: kernel 1–5, stride 1–3, dilation 1–3, padding ≤ kernel/2, ceilMode either way. */
export function poolCaseArb(c: WindowConstraints = {}): fc.Arbitrary<PoolCase> {
  checkOptions('poolCaseArb', c, WINDOW_CONSTRAINTS);
  return rankArb(c).chain((rank) => {
    const dim = fc
      .record({
        k: fc.integer({ min: 1, max: c.maxKernel ?? 5 }),
        s: fc.integer({ min: 1, max: c.maxStride ?? 3 }),
        d: fc.integer({ min: 1, max: c.maxDilation ?? 3 }),
        p: fc.integer({ min: 0, max: 2 }),
        extra: fc.integer({ min: 0, max: rank === 3 ? 2 : 4 }),
      })
      .map((x) => ({ ...x, d: capDilation(rank, x.k, x.d), p: Math.min(x.p, Math.floor(x.k / 2)) }));
    return fc
      .record({
        dims: fc.array(dim, { minLength: rank, maxLength: rank }),
        n: fc.integer({ min: 1, max: c.maxBatch ?? 2 }),
        ch: fc.integer({ min: 1, max: c.maxChannels ?? 3 }),
        ceilMode: fc.boolean(),
      })
      .map(({ dims, n, ch, ceilMode }) => {
        const spatial = dims.map(({ k, d, p, extra }) => Math.max(1, d * (k - 1) + 1 - 2 * p) + extra);
        return {
          rank,
          ceilMode,
          xShape: [n, ch, ...spatial],
          kernel: dims.map((x) => x.k),
          stride: dims.map((x) => x.s),
          dilation: dims.map((x) => x.d),
          padding: dims.map((x) => x.p),
        };
      })
      .filter((pc) =>
        pc.xShape.slice(2).every((size, i) => {
          let out: number;
          try {
            out = convOutputSize(
              size,
              pc.kernel[i]!,
              pc.stride[i]!,
              pc.padding[i]!,
              pc.dilation[i]!,
              'pool',
              pc.ceilMode,
            );
          } catch {
            return false;
          }
          // With dilation a window can fall entirely in the padding (PyTorch then yields −∞); such
          // degenerate cases have no gradient, so the generator leaves them out.
          for (let o = 0; o < out; o++) {
            const start = o * pc.stride[i]! - pc.padding[i]!;
            let touches = false;
            for (let j = 0; j < pc.kernel[i]!; j++) {
              const at = start + j * pc.dilation[i]!;
              if (at >= 0 && at < size) touches = true;
            }
            if (!touches) return false;
          }
          return true;
        }),
      );
  });
}
