import { freeOnThrow } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import { DTypeError, ShapeError, fmtShape } from '../util/errors.js';
import { cast, isFloat } from './elementwise.js';
import { reshape } from './layout.js';
import { runOp } from './op.js';
import { checkOptions } from '../util/options.js';
import { broadcastTo, sumToShape } from './reduce.js';

/** Options of matmul. */
export interface MatmulOptions {
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
}

/**
 * Matrix product over the last two dimensions, with leading (batch)
 * dimensions broadcast as in NumPy. Rank-1 operands are treated as a row
 * (a) or column (b) vector and that dimension is dropped from the result.
 *
 * @example
 * ```ts
 * matmul(randn([8, 3, 4]), randn([4, 5])).shape;                     // [8, 3, 5]
 * matmul(randn([3, 4]), randn([5, 4]), { transposeB: true }).shape;  // [3, 5]
 * ```
 */
export const matmul = freeOnThrow(function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transposeA: tA = false, transposeB: tB = false } = checkOptions('matmul', options, [
    'transposeA',
    'transposeB',
  ]);
  if (a.rank === 0 || b.rank === 0)
    throw new ShapeError('matmul', `operands must have rank ≥ 1, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.dtype !== b.dtype) throw new DTypeError('matmul', `dtypes differ: ${a.describe()} and ${b.describe()}`);
  // Checked on the operands as passed, before a rank-1 operand is reshaped or an integer one cast.
  const kA = a.rank === 1 ? a.size : a.shape[a.rank - (tA ? 2 : 1)]!;
  const kB = b.rank === 1 ? b.size : b.shape[b.rank - (tB ? 1 : 2)]!;
  if (kA !== kB) {
    throw new ShapeError(
      'matmul',
      `inner dimensions differ: ${fmtShape(a.shape)}${tA && a.rank > 1 ? 'ᵀ' : ''} × ${fmtShape(b.shape)}${tB && b.rank > 1 ? 'ᵀ' : ''} (${kA} vs ${kB})`,
    );
  }
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (!isFloat(a.dtype)) return matmul(cast(a, 'float32'), cast(b, 'float32'), options);
  if (a.rank === 1)
    return reshape(matmul(reshape(a, tA ? [a.size, 1] : [1, a.size]), b, options), dropDim(a, b, tB, -2));
  if (b.rank === 1)
    return reshape(matmul(a, reshape(b, tB ? [1, b.size] : [b.size, 1]), options), dropDim(a, b, tA, -1));

  const m = a.shape[a.rank - (tA ? 1 : 2)]!;
  const n = b.shape[b.rank - (tB ? 2 : 1)]!;
  const a3 = to3d(a, batch);
  const b3 = to3d(b, batch);
  const out3 = runOp(
    'matmul',
    [a3, b3],
    (be, [ai, bi]) => be.matmul(ai!, bi!, tA, tB),
    (dy, needs) => [needs[0] ? gradA(dy, a3, b3, tA, tB) : null, needs[1] ? gradB(dy, a3, b3, tA, tB) : null],
  );
  return reshape(out3, [...batch, m, n]);
});

/** Flattens the batch dims to one; a batch that only partly broadcasts is expanded first. */
function to3d(x: Tensor, batch: number[]): Tensor {
  const own = x.shape.slice(0, -2);
  const rows = x.shape[x.rank - 2]!;
  const cols = x.shape[x.rank - 1]!;
  const ownSize = sizeOf(own);
  if (ownSize === 1 || ownSize === sizeOf(batch)) return reshape(x, [ownSize, rows, cols]);
  return reshape(broadcastTo(x, [...batch, rows, cols]), [sizeOf(batch), rows, cols]);
}

/** The result shape once the unit dimension a rank-1 operand was given is removed again. */
function dropDim(a: Tensor, b: Tensor, transposed: boolean, which: -1 | -2): number[] {
  if (which === -2) {
    const n = b.rank === 1 ? [] : [transposed ? b.shape[b.rank - 2]! : b.shape[b.rank - 1]!];
    return [...b.shape.slice(0, -2), ...n];
  }
  const m = transposed ? a.shape[a.rank - 1]! : a.shape[a.rank - 2]!;
  return [...a.shape.slice(0, -2), m];
}

function gradA(dy: Tensor, a: Tensor, b: Tensor, tA: boolean, tB: boolean): Tensor {
  const g = tA
    ? matmul(b, dy, { transposeA: tB, transposeB: true })
    : matmul(dy, b, { transposeA: false, transposeB: !tB });
  return sumToShape(g, a.shape);
}

function gradB(dy: Tensor, a: Tensor, b: Tensor, tA: boolean, tB: boolean): Tensor {
  const g = tB
    ? matmul(dy, a, { transposeA: true, transposeB: tA })
    : matmul(a, dy, { transposeA: !tA, transposeB: false });
  return sumToShape(g, b.shape);
}
