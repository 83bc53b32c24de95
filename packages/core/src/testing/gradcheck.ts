import { vjp } from '../autograd/grad.js';
import { noGrad } from '../ops/gradient-control.js';
import { concat, reshape } from '../ops/layout.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/engine.js';
import { Random } from '../tensor/random.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { GradstreamError, fmtShape } from '../util/errors.js';
import { checkOptions } from '../util/options.js';

/** Options of gradcheck, with PyTorch's defaults. */
export interface GradcheckOptions {
  /** Finite-difference step (1e-6). */
  readonly eps?: number;
  /** Absolute tolerance (1e-5). */
  readonly atol?: number;
  /** Relative tolerance (1e-3). */
  readonly rtol?: number;
  /** Compare a random projection vᵀJu instead of the full Jacobian (PyTorch's fast mode). */
  readonly fast?: boolean;
  /** Seed of the random projections in fast mode. */
  readonly seed?: number;
  /** Which inputs to check (default: all). */
  readonly checkInputs?: readonly boolean[];
}

/** A gradient that disagrees with finite differences; the message names the input, the element and both values. */
export class GradcheckError extends GradstreamError {}

type Fn = (...xs: Tensor[]) => Tensor;

function evaluate(f: Fn, values: Float64Array[], inputs: readonly Tensor[]): Float64Array {
  return tidy(() =>
    noGrad(() => {
      const xs = values.map((v, i) => tensor(v, inputs[i]!.shape, 'float64'));
      const y = f(...xs);
      if (y.dtype !== 'float64') throw new GradcheckError('gradcheck', `f must return float64, got ${y.describe()}`);
      return Float64Array.from(y.dataSync());
    }),
  );
}

function checkInputs(op: string, inputs: readonly Tensor[]): void {
  inputs.forEach((x, i) => {
    if (x.dtype !== 'float64') {
      throw new GradcheckError(
        op,
        `input ${i} ${x.describe()} must be float64: finite differences in float32 are too coarse (PyTorch warns the same)`,
      );
    }
  });
}

function close(analytic: number, numeric: number, atol: number, rtol: number): boolean {
  return Math.abs(analytic - numeric) <= atol + rtol * Math.abs(numeric);
}

/** One row of the analytic Jacobian transpose: the gradients of ⟨dy, f(xs)⟩. */
function analyticVjp(
  f: Fn,
  inputs: readonly Tensor[],
  outShape: readonly number[],
  dyValues: Float64Array,
): Float64Array[] {
  return tidy(() => {
    const dy = tensor(dyValues, outShape, 'float64');
    return vjp(f, inputs, dy).map((g) => {
      if (g.dtype !== 'float64')
        throw new GradcheckError('gradcheck', `gradient has dtype ${g.dtype}, expected float64`);
      return Float64Array.from(g.dataSync());
    });
  });
}

/**
 * Checks the gradients of `f` against central finite differences in float64,
 * with PyTorch's semantics: for every input element and output element,
 * |analytic − numeric| ≤ atol + rtol·|numeric|. Returns true or throws a
 * GradcheckError naming the input, the element and both values.
 *
 * @example
 * ```ts
 * gradcheck((x, w) => conv2d(x, w, { padding: 1 }), [randn([1, 2, 5, 5], 0, 1, 'float64'), randn([3, 2, 3, 3], 0, 1, 'float64')]);
 * ```
 */
const GRADCHECK_OPTIONS = ['eps', 'atol', 'rtol', 'fast', 'seed', 'checkInputs'] as const;

export function gradcheck(f: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): true {
  checkOptions('gradcheck', options, GRADCHECK_OPTIONS);
  checkInputs('gradcheck', inputs);
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const base = inputs.map((x) => Float64Array.from(x.dataSync()));
  const outShape = tidy(() => noGrad(() => [...f(...inputs).shape]));
  const outSize = evaluate(f, base, inputs).length;
  const wanted = (i: number): boolean => options.checkInputs?.[i] ?? true;

  if (options.fast) {
    const random = new Random(options.seed ?? 0);
    const v = Float64Array.from({ length: outSize }, () => random.normal());
    const us = base.map((b) => Float64Array.from({ length: b.length }, () => random.normal()));
    const perturbed = (sign: number): Float64Array =>
      evaluate(
        f,
        base.map((b, i) => (wanted(i) ? b.map((x, k) => x + sign * eps * us[i]![k]!) : b)),
        inputs,
      );
    const plus = perturbed(1);
    const minus = perturbed(-1);
    let numeric = 0;
    for (let j = 0; j < outSize; j++) numeric += (v[j]! * (plus[j]! - minus[j]!)) / (2 * eps);
    const g = analyticVjp(f, inputs, outShape, v);
    let analytic = 0;
    g.forEach((gi, i) => {
      if (wanted(i)) for (let k = 0; k < gi.length; k++) analytic += gi[k]! * us[i]![k]!;
    });
    if (!close(analytic, numeric, atol, rtol)) {
      throw new GradcheckError(
        'gradcheck',
        `fast mode: projected gradient vᵀJu is ${analytic} analytically but ${numeric} by finite differences`,
      );
    }
    return true;
  }

  // Analytic Jacobian, one backward pass per output element.
  const analytic: Float64Array[][] = [];
  const onehot = new Float64Array(outSize);
  for (let j = 0; j < outSize; j++) {
    onehot.fill(0);
    onehot[j] = 1;
    analytic.push(analyticVjp(f, inputs, outShape, onehot));
  }
  base.forEach((b, i) => {
    if (!wanted(i)) return;
    for (let k = 0; k < b.length; k++) {
      const at = (delta: number): Float64Array => {
        const values = base.map((v) => v);
        const moved = Float64Array.from(b);
        moved[k] = b[k]! + delta;
        values[i] = moved;
        return evaluate(f, values, inputs);
      };
      const plus = at(eps);
      const minus = at(-eps);
      for (let j = 0; j < outSize; j++) {
        const numeric = (plus[j]! - minus[j]!) / (2 * eps);
        const a = analytic[j]![i]![k]!;
        if (!close(a, numeric, atol, rtol)) {
          throw new GradcheckError(
            'gradcheck',
            `input ${i} ${fmtShape(inputs[i]!.shape)}, element ${k}, output element ${j}: analytic ${a} vs numeric ${numeric}`,
          );
        }
      }
    }
  });
  return true;
}

/**
 * Checks second derivatives: gradcheck applied to (xs, v) ↦ vᵀ·∂f/∂xs, the
 * backward pass itself, with a random float64 v (PyTorch's gradgradcheck).
 *
 * @example
 * ```ts
 * gradgradcheck((x) => tanh(x), [randn([3, 4], 0, 1, 'float64')]);
 * ```
 */
export function gradgradcheck(f: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): true {
  checkOptions('gradgradcheck', options, GRADCHECK_OPTIONS);
  checkInputs('gradgradcheck', inputs);
  const random = new Random((options.seed ?? 0) + 1);
  const outShape = tidy(() => noGrad(() => [...f(...inputs).shape]));
  const size = sizeOf(outShape);
  const v = tensor(
    Float64Array.from({ length: size }, () => random.normal()),
    outShape,
    'float64',
  );
  const backward: Fn = (...args) => {
    const xs = args.slice(0, inputs.length);
    const dy = args[inputs.length]!;
    return concat(
      vjp(f, xs, dy).map((g) => reshape(g, [-1])),
      0,
    );
  };
  try {
    return gradcheck(backward, [...inputs, v], {
      ...options,
      checkInputs: options.checkInputs && [...options.checkInputs, true],
    });
  } finally {
    v.dispose();
  }
}
