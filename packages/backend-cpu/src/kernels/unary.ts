import type { DType, TypedArray, UnaryOp } from '@gradstream/core';
import { allocate } from '../storage.js';

/** Rounds half to even, as PyTorch's `round` does (Math.round rounds halves up). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Applies a unary op; the output has x's dtype except `logicalNot`, which yields bool. */
export function unary(op: UnaryOp, x: TypedArray, dtype: DType): TypedArray {
  const n = x.length;
  if (op === 'logicalNot') {
    const out = allocate('bool', n);
    for (let i = 0; i < n; i++) out[i] = x[i] === 0 ? 1 : 0;
    return out;
  }
  const out = allocate(dtype, n);
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i]!;
      break;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]!);
      break;
    case 'sign':
      for (let i = 0; i < n; i++) out[i] = Math.sign(x[i]!);
      break;
    case 'square':
      if (dtype === 'int32') for (let i = 0; i < n; i++) out[i] = Math.imul(x[i]!, x[i]!);
      else for (let i = 0; i < n; i++) out[i] = x[i]! * x[i]!;
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!);
      break;
    case 'rsqrt':
      for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]!);
      break;
    case 'reciprocal':
      for (let i = 0; i < n; i++) out[i] = 1 / x[i]!;
      break;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!);
      break;
    case 'expm1':
      for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]!);
      break;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!);
      break;
    case 'log1p':
      for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]!);
      break;
    case 'sin':
      for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]!);
      break;
    case 'cos':
      for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]!);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!);
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]!));
      break;
    case 'relu':
      // `v < 0 ? 0 : v` rather than Math.max(0, v) keeps NaN as NaN, as PyTorch does.
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = Math.max(v, 0);
      }
      break;
    case 'floor':
      for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]!);
      break;
    case 'ceil':
      for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]!);
      break;
    case 'round':
      for (let i = 0; i < n; i++) out[i] = roundHalfEven(x[i]!);
      break;
  }
  return out;
}

/** Converts to `dtype`: to bool is x ≠ 0 (NaN is true); float to int32 truncates toward zero. */
export function cast(x: TypedArray, dtype: DType): TypedArray {
  const n = x.length;
  const out = allocate(dtype, n);
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) out[i] = x[i] === 0 ? 0 : 1;
  } else {
    // Typed-array assignment converts as the contract asks: ToInt32 truncates toward zero, float64 → float32 rounds to nearest.
    out.set(x);
  }
  return out;
}
