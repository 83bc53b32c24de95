// Cross-entropy at class indices over N×C float32 logits, a row at a time in
// float64: a row's log Σ exp is m + log Σ exp(x − m), m its maximum, so large
// logits neither overflow nor lose the small terms.

import { at4 } from './mem';

@inline function rowLogSumExp(row: usize, c: i32): f64 {
  let m = -Infinity;
  for (let j = 0; j < c; j++) m = Math.max(m, <f64>load<f32>(at4(row, j)));
  let s: f64 = 0;
  for (let j = 0; j < c; j++) s += Math.exp(<f64>load<f32>(at4(row, j)) - m);
  return m + Math.log(s);
}

/**
 * Row i's loss is log Σ_c exp(x_ic) − x_{i,tᵢ}, 0 where tᵢ is ignoreIndex;
 * y is scale·Σᵢ lossᵢ (one float) when reduce is 1, else scale·lossᵢ per row.
 */
export function softmaxCrossEntropy32(
  x: usize, t: usize, y: usize, n: i32, c: i32, ignoreIndex: i32, scale: f64, reduce: i32,
): void {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const target = load<i32>(at4(t, i));
    const row = at4(x, i * c);
    const loss = target == ignoreIndex ? 0 : rowLogSumExp(row, c) - <f64>load<f32>(at4(row, target));
    if (reduce) total += loss;
    else store<f32>(at4(y, i), <f32>(loss * scale));
  }
  if (reduce) store<f32>(y, <f32>(total * scale));
}

/** dx_ic = dyᵢ·scale·(softmax_ic − [c = tᵢ]), zero rows where tᵢ is ignoreIndex; dy is one float when reduce is 1. */
export function softmaxCrossEntropyBackward32(
  dy: usize, x: usize, t: usize, dx: usize, n: i32, c: i32, ignoreIndex: i32, scale: f64, reduce: i32,
): void {
  for (let i = 0; i < n; i++) {
    const target = load<i32>(at4(t, i));
    const row = at4(x, i * c), out = at4(dx, i * c);
    if (target == ignoreIndex) {
      for (let j = 0; j < c; j++) store<f32>(at4(out, j), 0);
      continue;
    }
    const g = <f64>load<f32>(reduce ? dy : at4(dy, i)) * scale;
    const lse = rowLogSumExp(row, c);
    for (let j = 0; j < c; j++) {
      const p = Math.exp(<f64>load<f32>(at4(row, j)) - lse);
      store<f32>(at4(out, j), <f32>(g * (j == target ? p - 1 : p)));
    }
  }
}
