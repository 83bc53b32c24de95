/** 55000 → "55,000": sizes read at a glance. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** 0.98765 → "98.77%". */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}
