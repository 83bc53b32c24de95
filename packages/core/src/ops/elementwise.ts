import type { BinaryOp, UnaryOp } from '../backend/contract.js';
import type { DType } from '../backend/types.js';
import { scalar } from '../tensor/creation.js';
import { freeOnThrow } from '../tensor/engine.js';
import { broadcastShapes } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { DTypeError } from '../util/errors.js';
import { fusesReluBackward, reluBackward } from './fused.js';
import { runOp } from './op.js';
import { reshape } from './layout.js';
import { sumToShape } from './reduce.js';

/** A tensor, or a number that becomes a scalar of the other operand's dtype. */
export type TensorLike = Tensor | number;

const RANK: Readonly<Record<DType, number>> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** The dtype two operands are promoted to (bool < int32 < float32 < float64). */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/**
 * Converts to another dtype; float→int truncates toward zero, anything→bool tests ≠ 0.
 * Differentiable between float dtypes.
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return reshape(x, x.shape);
  return runOp(
    'cast',
    [x],
    (b, [xi]) => b.cast(xi!, dtype),
    (dy) => [isFloat(x.dtype) && isFloat(dtype) ? cast(dy, x.dtype) : null],
  );
}

/** Turns numbers into scalars and promotes both operands to a common dtype. */
function operands(op: string, a: TensorLike, b: TensorLike, floatOnly: boolean): [Tensor, Tensor, Tensor[]] {
  const temps: Tensor[] = [];
  const dtypeOf = (v: TensorLike, other: TensorLike): DType => {
    if (v instanceof Tensor) return v.dtype;
    const o = other instanceof Tensor ? other.dtype : 'float32';
    return isFloat(o) || Number.isInteger(v) ? o : 'float32';
  };
  let dt = promoteTypes(dtypeOf(a, b), dtypeOf(b, a));
  if (floatOnly && !isFloat(dt)) dt = 'float32';
  const toTensor = (v: TensorLike): Tensor => {
    if (!(v instanceof Tensor)) {
      const t = scalar(v, dt);
      temps.push(t);
      return t;
    }
    if (v.dtype === dt) return v;
    const t = cast(v, dt);
    temps.push(t);
    return t;
  };
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new DTypeError(op, 'needs at least one tensor operand');
  return [toTensor(a), toTensor(b), temps];
}

/** Frees temporaries made for one op (scalars, casts) as soon as no tape needs them. */
function releaseTemps(temps: Tensor[]): void {
  for (const t of temps) t.disposeWhenFree();
}

const binary = freeOnThrow(function binary(
  op: BinaryOp,
  a: TensorLike,
  b: TensorLike,
  backward?: (dy: Tensor, a: Tensor, b: Tensor, out: Tensor, needs: readonly boolean[]) => readonly (Tensor | null)[],
  floatOnly = false,
): Tensor {
  const [ta, tb, temps] = operands(op, a, b, floatOnly);
  broadcastShapes(op, ta.shape, tb.shape);
  const out = runOp(
    op,
    [ta, tb],
    (be, [ai, bi]) => be.binary(op, ai!, bi!),
    backward &&
      ((dy, needs, o) => {
        const [ga, gb] = backward(dy, ta, tb, o, needs);
        return [needs[0] && ga ? sumToShape(ga, ta.shape) : null, needs[1] && gb ? sumToShape(gb, tb.shape) : null];
      }),
  );
  releaseTemps(temps);
  return out;
});

/** a + b with broadcasting. @example `add(x, 1)` */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary('add', a, b, (dy) => [dy, dy]);
}

/** a − b with broadcasting. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary('sub', a, b, (dy, _a, _b, _o, needs) => [dy, needs[1] ? neg(dy) : null]);
}

/** a · b elementwise with broadcasting. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary('mul', a, b, (dy, ta, tb, _o, needs) => [needs[0] ? mul(dy, tb) : null, needs[1] ? mul(dy, ta) : null]);
}

/** a / b with broadcasting; integer operands are promoted to float32 (true division). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary(
    'div',
    a,
    b,
    (dy, _ta, tb, out, needs) => [needs[0] ? div(dy, tb) : null, needs[1] ? neg(div(mul(dy, out), tb)) : null],
    true,
  );
}

/**
 * a raised to b, elementwise with broadcasting (floats). The gradient in b
 * uses log(a) where a > 0 and 0 elsewhere.
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary(
    'pow',
    a,
    b,
    (dy, ta, tb, out, needs) => [
      needs[0] ? mul(dy, mul(tb, pow(ta, sub(tb, 1)))) : null,
      needs[1] ? mul(dy, mul(out, safeLog(ta))) : null,
    ],
    true,
  );
}

function safeLog(x: Tensor): Tensor {
  const positive = greater(x, 0);
  return where(positive, log(where(positive, x, 1)), 0);
}

/** Elementwise maximum; the gradient goes to a where a ≥ b. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary('maximum', a, b, (dy, ta, tb, _o, needs) => [
    needs[0] ? mul(dy, cast(greaterEqual(ta, tb), dy.dtype)) : null,
    needs[1] ? mul(dy, cast(less(ta, tb), dy.dtype)) : null,
  ]);
}

/** Elementwise minimum; the gradient goes to a where a ≤ b. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary('minimum', a, b, (dy, ta, tb, _o, needs) => [
    needs[0] ? mul(dy, cast(lessEqual(ta, tb), dy.dtype)) : null,
    needs[1] ? mul(dy, cast(greater(ta, tb), dy.dtype)) : null,
  ]);
}

/** a == b → bool. */
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary('equal', a, b);
/** a != b → bool. */
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => binary('notEqual', a, b);
/** a > b → bool. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binary('greater', a, b);
/** a ≥ b → bool. */
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => binary('greaterEqual', a, b);
/** a < b → bool. */
export const less = (a: TensorLike, b: TensorLike): Tensor => binary('less', a, b);
/** a ≤ b → bool. */
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => binary('lessEqual', a, b);
/** Logical and of bool tensors. */
export const logicalAnd = freeOnThrow(function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return binary('logicalAnd', cast(a, 'bool'), cast(b, 'bool'));
});
/** Logical or of bool tensors. */
export const logicalOr = freeOnThrow(function logicalOr(a: Tensor, b: Tensor): Tensor {
  return binary('logicalOr', cast(a, 'bool'), cast(b, 'bool'));
});

/**
 * Picks a where cond is true, b elsewhere (all three broadcast together).
 *
 * @example
 * ```ts
 * where(greater(x, 0), x, 0); // relu
 * ```
 */
export const where = freeOnThrow(function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, temps] = operands('where', a, b, false);
  const c = cond.dtype === 'bool' ? cond : cast(cond, 'bool');
  broadcastShapes('where', c.shape, ta.shape, tb.shape);
  const out = runOp(
    'where',
    [c, ta, tb],
    (be, [ci, ai, bi]) => be.where(ci!, ai!, bi!),
    (dy, needs) => [
      null,
      needs[1] ? sumToShape(where(c, dy, 0), ta.shape) : null,
      needs[2] ? sumToShape(where(c, 0, dy), tb.shape) : null,
    ],
  );
  releaseTemps(temps);
  if (c !== cond) c.disposeWhenFree();
  return out;
});

const INT_OK: ReadonlySet<UnaryOp> = new Set(['neg', 'abs', 'sign', 'square', 'relu']);

const unary = freeOnThrow(function unary(
  op: UnaryOp,
  x: Tensor,
  backward?: (dy: Tensor, x: Tensor, out: Tensor) => Tensor | null,
): Tensor {
  let input = x;
  if (op === 'logicalNot') input = cast(x, 'bool');
  else if (!isFloat(x.dtype) && !INT_OK.has(op)) input = cast(x, 'float32');
  else if (x.dtype === 'bool') input = cast(x, 'int32');
  const out = runOp(op, [input], (b, [xi]) => b.unary(op, xi!), backward && ((dy, _n, o) => [backward(dy, input, o)]));
  if (input !== x) input.disposeWhenFree();
  return out;
});

/** −x */
export const neg = (x: Tensor): Tensor => unary('neg', x, (dy) => neg(dy));
/** |x|; gradient sign(x). */
export const abs = (x: Tensor): Tensor => unary('abs', x, (dy, xi) => mul(dy, sign(xi)));
/** −1, 0 or 1; gradient zero. */
export const sign = (x: Tensor): Tensor => unary('sign', x, (dy) => mul(dy, 0));
/** x² */
export const square = (x: Tensor): Tensor => unary('square', x, (dy, xi) => mul(dy, mul(xi, 2)));
/** √x */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, (dy, _x, out) => div(dy, mul(out, 2)));
/** 1/√x */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x, (dy, xi, out) => mul(dy, mul(div(out, xi), -0.5)));
/** 1/x */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x, (dy, _x, out) => neg(mul(dy, square(out))));
/** eˣ */
export const exp = (x: Tensor): Tensor => unary('exp', x, (dy, _x, out) => mul(dy, out));
/** eˣ − 1, accurate near 0. */
export const expm1 = (x: Tensor): Tensor => unary('expm1', x, (dy, _x, out) => mul(dy, add(out, 1)));
/** Natural log. */
export const log = (x: Tensor): Tensor => unary('log', x, (dy, xi) => div(dy, xi));
/** log(1 + x), accurate near 0. */
export const log1p = (x: Tensor): Tensor => unary('log1p', x, (dy, xi) => div(dy, add(xi, 1)));
/** sin x */
export const sin = (x: Tensor): Tensor => unary('sin', x, (dy, xi) => mul(dy, cos(xi)));
/** cos x */
export const cos = (x: Tensor): Tensor => unary('cos', x, (dy, xi) => neg(mul(dy, sin(xi))));
/** Hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x, (dy, _x, out) => mul(dy, sub(1, square(out))));
/** Logistic sigmoid 1/(1 + e⁻ˣ). */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x, (dy, _x, out) => mul(dy, mul(out, sub(1, out))));
/** max(x, 0); gradient 1 where x > 0. */
export const relu = (x: Tensor): Tensor =>
  unary('relu', x, (dy, xi) =>
    fusesReluBackward(dy, xi) ? reluBackward(dy, xi) : mul(dy, cast(greater(xi, 0), dy.dtype)),
  );
/** Rounds down; gradient zero. */
export const floor = (x: Tensor): Tensor => unary('floor', x, (dy) => mul(dy, 0));
/** Rounds up; gradient zero. */
export const ceil = (x: Tensor): Tensor => unary('ceil', x, (dy) => mul(dy, 0));
/** Rounds half to even; gradient zero. */
export const round = (x: Tensor): Tensor => unary('round', x, (dy) => mul(dy, 0));
/** Logical not (bool). */
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', x);

/** x where x > 0, alpha·x elsewhere. */
export const leakyRelu = freeOnThrow(function leakyRelu(x: Tensor, alpha = 0.01): Tensor {
  return where(greater(x, 0), x, mul(x, alpha));
});

/** Limits values to [min, max]. */
export const clip = freeOnThrow(function clip(x: Tensor, min: number, max: number): Tensor {
  return minimum(maximum(x, min), max);
});
