/**
 * Output: every line goes to the terminal and into a buffer that run.ts
 * writes to bench/results/latest.txt, so the file is exactly what was shown.
 */
const lines: string[] = [];

export function log(line = ''): void {
  console.log(line);
  lines.push(line);
}

export function transcript(): string {
  return `${lines.join('\n')}\n`;
}

export function fmtTime(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtRatio(r: number): string {
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

/** Left-aligns the first `textColumns` columns and right-aligns the rest. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], textColumns = 2): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]) =>
    r
      .map((cell, i) => (i < textColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}
