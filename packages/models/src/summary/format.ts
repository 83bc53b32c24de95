import type { ModelSummary } from './summary.js';

const group = (n: number): string => n.toLocaleString('en-US');
const shape = (s: readonly number[]): string => `[${s.join(', ')}]`;
const scaled = (n: number): string =>
  n >= 1e9 ? ` (${(n / 1e9).toFixed(2)} G)` : n >= 1e6 ? ` (${(n / 1e6).toFixed(2)} M)` : '';

/**
 * Renders a summary as a fixed-width text table (one row per layer call,
 * totals at the bottom), like torchinfo's.
 *
 * @example
 * ```ts
 * console.log(formatSummary(summary(lenet5(), [1, 1, 28, 28])));
 * ```
 */
export function formatSummary(s: ModelSummary): string {
  const header = ['Layer', 'Type', 'Output shape', 'Params', 'Mult-adds'];
  const rows = s.layers.map((l) => [l.name, l.type, shape(l.outputShape), group(l.params), group(l.multAdds)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Text columns read left-aligned, numbers right-aligned so digits line up.
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    line(header),
    rule,
    ...rows.map(line),
    rule,
    `Input shape:  ${shape(s.inputShape)}`,
    `Output shape: ${shape(s.outputShape)}`,
    `Total params: ${group(s.totalParams)}`,
    `Trainable:    ${group(s.trainableParams)}`,
    `Frozen:       ${group(s.frozenParams)}`,
    `Mult-adds:    ${group(s.totalMultAdds)}${scaled(s.totalMultAdds)}`,
    `State size:   ${(s.stateBytes / 2 ** 20).toFixed(2)} MiB`,
  ].join('\n');
}
