/**
 * What each `BinaryOp` of the contract computes, element by element, written
 * once in plain TypeScript: the CPU backend's kernel and the fallback path of
 * other backends (dtypes or ranks their fast path does not cover) both call
 * it, so they cannot drift apart. Exported from `@gradstream/core` for
 * third-party backends.
 *
 * @example
 * ```ts
 * import { binaryOutputDType, binaryRow } from '@gradstream/core';
 * const out = new Float32Array(3);
 * binaryRow('mul', 'float32', out, 0, Float32Array.of(1, 2, 3), 0, 1, Float32Array.of(2), 0, 0, 3); // out = [2, 4, 6]
 * binaryOutputDType('less', 'float32'); // 'bool'
 * ```
 */
import type { BinaryOp } from './contract.js';
import type { DType, TypedArray } from './types.js';

const boolResults: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  'equal',
  'notEqual',
  'greater',
  'greaterEqual',
  'less',
  'lessEqual',
  'logicalAnd',
  'logicalOr',
]);

/** The dtype a binary kernel returns for operands of `dtype`: `bool` for comparisons and logical ops, else `dtype`. */
export function binaryOutputDType(op: BinaryOp, dtype: DType): DType {
  return boolResults.has(op) ? 'bool' : dtype;
}

/**
 * One row of a binary op: out[o + j] = a[ia + j·sa] op b[ib + j·sb] for j < n.
 * `dtype` is the operands' dtype: int32 `mul` wraps as in C (a double product
 * loses bits beyond 2^53), and int32 `div` truncates toward zero through the
 * Int32Array store. The switch sits outside the loops so each op runs its own
 * tight loop.
 */
export function binaryRow(
  op: BinaryOp,
  dtype: DType,
  out: TypedArray,
  o: number,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  n: number,
): void {
  const end = o + n;
  switch (op) {
    case 'add':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! + b[ib]!;
      return;
    case 'sub':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! - b[ib]!;
      return;
    case 'mul':
      if (dtype === 'int32') for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.imul(a[ia]!, b[ib]!);
      else for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! * b[ib]!;
      return;
    case 'div':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! / b[ib]!;
      return;
    case 'pow':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! ** b[ib]!;
      return;
    case 'maximum':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.max(a[ia]!, b[ib]!);
      return;
    case 'minimum':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.min(a[ia]!, b[ib]!);
      return;
    case 'equal':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] === b[ib] ? 1 : 0;
      return;
    case 'notEqual':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== b[ib] ? 1 : 0;
      return;
    case 'greater':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! > b[ib]! ? 1 : 0;
      return;
    case 'greaterEqual':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! >= b[ib]! ? 1 : 0;
      return;
    case 'less':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! < b[ib]! ? 1 : 0;
      return;
    case 'lessEqual':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia]! <= b[ib]! ? 1 : 0;
      return;
    case 'logicalAnd':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== 0 && b[ib] !== 0 ? 1 : 0;
      return;
    case 'logicalOr':
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== 0 || b[ib] !== 0 ? 1 : 0;
      return;
  }
}
