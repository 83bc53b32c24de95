/** 55000 → "55,000": sizes read at a glance. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** 0.98765 → "98.77%". */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

/** A message on one line: the CLI reports every error as a single line on stderr. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
