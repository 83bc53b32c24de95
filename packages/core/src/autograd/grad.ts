import { ones } from '../tensor/creation.js';
import { endScope, startScope } from '../tensor/engine.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { GradientError, fmtShape } from '../util/errors.js';
import { add } from '../ops/elementwise.js';
import { zerosLike } from '../tensor/creation.js';
import { type Tape, popTape, pushTape, recordOp, recycleTape, takeTape, withoutRecording } from './tape.js';

function assertDifferentiable(api: string, xs: readonly Tensor[]): void {
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new GradientError(api, `argument ${i} is not a Tensor`);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') {
      throw new GradientError(api, `argument ${i} has dtype ${x.dtype}; gradients need float32 or float64`);
    }
  });
}

/**
 * Passes a complete gradient of `t` through its hooks (registerHook), each
 * seeing the previous one's result; a replacement must keep shape and dtype.
 */
function applyHooks(t: Tensor, g: Tensor): Tensor {
  let out = g;
  for (const hook of t.gradientHooks()) {
    const r = hook(out);
    if (r === undefined) continue;
    if (!(r instanceof Tensor) || !shapesEqual(r.shape, t.shape) || r.dtype !== out.dtype) {
      const got = r instanceof Tensor ? r.describe() : typeof r;
      throw new GradientError('registerHook', `a hook returned ${got} for the gradient of ${t.describe()}`);
    }
    out = r;
  }
  return out;
}

/**
 * Runs the tape backwards from `value` and returns d value / d x for each x.
 * Nodes are in execution order, so by the time the walk reaches the node that
 * made a tensor, every use of it has contributed: that is when its hooks run.
 */
function backprop(tape: Tape, value: Tensor, xs: readonly Tensor[], dy: Tensor): Tensor[] {
  const grads = new Map<number, Tensor>([[value.id, dy]]);
  for (let i = tape.nodes.length - 1; i >= 0; i--) {
    const node = tape.nodes[i]!;
    const summed = grads.get(node.output.id);
    if (!summed) continue;
    const g = applyHooks(node.output, summed);
    const needs = node.inputs.map((t) => tape.tracks(t));
    const inputGrads = node.backward(g, needs);
    node.inputs.forEach((input, k) => {
      const gi = inputGrads[k];
      if (!needs[k] || !gi) return;
      if (!shapesEqual(gi.shape, input.shape) || gi.dtype !== input.dtype) {
        throw new GradientError(
          node.op,
          `gradient ${fmtShape(gi.shape)} ${gi.dtype} does not match input ${k} ${fmtShape(input.shape)} ${input.dtype}`,
        );
      }
      const prev = grads.get(input.id);
      grads.set(input.id, prev ? add(prev, gi) : gi);
    });
  }
  const seen = new Set<number>();
  return xs.map((x) => {
    const g = grads.get(x.id);
    if (!g) return zerosLike(x);
    // A tensor passed twice gets its hooks run once.
    if (!seen.has(x.id)) {
      seen.add(x.id);
      grads.set(x.id, applyHooks(x, g));
    }
    return grads.get(x.id)!;
  });
}

/**
 * Evaluates `f` while recording, then differentiates its result with respect
 * to `xs`. Every tensor made along the way is freed except the value and the
 * gradients, unless an enclosing tape still needs it (higher-order gradients).
 */
function valueAndGradsOf(
  api: string,
  f: () => Tensor,
  xs: readonly Tensor[],
  dy?: Tensor,
): { value: Tensor; grads: Tensor[] } {
  assertDifferentiable(api, xs);
  const tape = takeTape();
  // requiresGrad false makes a tensor a constant here: nothing computed only from it is recorded.
  for (const x of xs) if (x.requiresGrad) tape.watch(x);
  startScope();
  let result: { value: Tensor; grads: Tensor[] } | undefined;
  try {
    pushTape(tape);
    let value: Tensor;
    try {
      value = f();
    } finally {
      popTape(tape);
    }
    if (!(value instanceof Tensor)) throw new GradientError(api, 'f must return a Tensor');
    let seed = dy;
    if (!seed) {
      if (value.size !== 1)
        throw new GradientError(api, `f must return a scalar when no dy is given, got ${fmtShape(value.shape)}`);
      seed = ones(value.shape, value.dtype);
    } else if (!shapesEqual(seed.shape, value.shape)) {
      throw new GradientError(api, `dy ${fmtShape(seed.shape)} does not match f's result ${fmtShape(value.shape)}`);
    }
    result = { value, grads: backprop(tape, value, xs, seed) };
    return result;
  } finally {
    recycleTape(tape);
    endScope(result);
  }
}

/** Gradients only: the value is freed unless it is one of the inputs or gradients. */
function gradsOf(api: string, f: () => Tensor, xs: readonly Tensor[], dy?: Tensor): Tensor[] {
  const { value, grads: g } = valueAndGradsOf(api, f, xs, dy);
  if (!xs.includes(value) && !g.includes(value) && value !== dy) value.disposeWhenFree();
  return g;
}

/**
 * d f(x) / dx for a function of one tensor returning a scalar (or any shape,
 * given `dy`). The result is itself differentiable: `grad(grad(f))` works.
 *
 * @example
 * ```ts
 * const df = grad((x) => sum(mul(x, x)));
 * df(tensor([1, 2, 3])).toArray(); // [2, 4, 6]
 * ```
 */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  return (x, dy) => gradsOf('grad', () => f(x), [x], dy)[0]!;
}

/**
 * Gradients of `f` with respect to each of its arguments.
 *
 * @example
 * ```ts
 * const [da, db] = grads((a, b) => sum(mul(a, b)))(a, b); // [b, a]
 * ```
 */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: readonly Tensor[] | Tensor, ...rest: Tensor[]) => Tensor[] {
  return (first, ...rest) => {
    const xs = Array.isArray(first) ? first : [first as Tensor, ...rest];
    return gradsOf('grads', () => f(...xs), xs);
  };
}

/**
 * f(x) and its gradient in one pass.
 *
 * @example
 * ```ts
 * const { value, grad: g } = valueAndGrad((x) => sum(square(x)))(x);
 * ```
 */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  return (x, dy) => {
    const { value, grads: g } = valueAndGradsOf('valueAndGrad', () => f(x), [x], dy);
    return { value, grad: g[0]! };
  };
}

/** f(...xs) and its gradient with respect to every argument. */
export function valueAndGrads(
  f: (...xs: Tensor[]) => Tensor,
): (xs: readonly Tensor[] | Tensor, ...rest: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (first, ...rest) => {
    const xs = Array.isArray(first) ? first : [first as Tensor, ...rest];
    return valueAndGradsOf('valueAndGrads', () => f(...xs), xs);
  };
}

/**
 * Vector-Jacobian product: the gradients of Σ dy ⊙ f(...xs) with respect to
 * each x, for an `f` of any output shape. Differentiable in xs and in dy.
 *
 * @example
 * ```ts
 * const [dx] = vjp((x) => mul(x, 3), [x], ones(x.shape)); // 3s
 * ```
 */
export function vjp(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], dy: Tensor): Tensor[] {
  return gradsOf('vjp', () => f(...xs), xs, dy);
}

/**
 * The value of `f()` (which closes over `variables`, e.g. model parameters)
 * and its gradient with respect to each of them.
 *
 * @example
 * ```ts
 * const { value: loss, grads } = variableGrads(() => crossEntropy(model(x), y), model.parameters());
 * ```
 */
export function variableGrads(f: () => Tensor, variables: readonly Tensor[]): { value: Tensor; grads: Tensor[] } {
  return valueAndGradsOf('variableGrads', f, variables);
}

/** What a custom-gradient function returns: its value and the rule giving each input's gradient from dy. */
export interface CustomGradResult {
  readonly value: Tensor;
  readonly gradFunc: (dy: Tensor) => readonly Tensor[];
}

/**
 * Defines a function with its own gradient rule. The forward pass is not
 * recorded; `gradFunc` is written in ops, so it can be differentiated again.
 *
 * @example
 * ```ts
 * const clippedIdentity = customGrad((x) => ({ value: x, gradFunc: (dy) => [clip(dy, -1, 1)] }));
 * ```
 */
export function customGrad(f: (...xs: Tensor[]) => CustomGradResult): (...xs: Tensor[]) => Tensor {
  return (...xs) => {
    const { value, gradFunc } = withoutRecording(() => f(...xs));
    if (!(value instanceof Tensor)) throw new GradientError('customGrad', 'f must return { value: Tensor, gradFunc }');
    recordOp('customGrad', xs, value, (dy) => {
      const gs = gradFunc(dy);
      if (gs.length !== xs.length)
        throw new GradientError('customGrad', `gradFunc returned ${gs.length} gradients for ${xs.length} inputs`);
      return gs;
    });
    return value;
  };
}
