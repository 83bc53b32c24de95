/** The per-suite tables. */
import { contender, type ContenderId } from './contenders.js';
import type { CaseResult, Measurement } from './harness.js';
import { fmtRatio, fmtTime, log, table } from './report.js';

const HEADER = [
  'op',
  'contender',
  'median',
  'min',
  'GFLOP/s',
  'runs×reps',
  'cpu/wall',
  '×tfjs-wasm',
  '×tfjs-cpu',
  'others',
];

export function label(m: Measurement): string {
  return contender(m.contender).label + (m.note ? ` (${m.note})` : '');
}

/** Median time in ms, or bounds: a capped run is at least the cap. */
function bounds(m: Measurement): { ms: number; lowerBound: boolean } | undefined {
  if (m.outcome.kind === 'ok') return { ms: m.outcome.median, lowerBound: false };
  if (m.outcome.kind === 'capped') return { ms: m.outcome.capMs, lowerBound: true };
  return undefined;
}

/** How many times faster `m` is than `ref` (ref time / m time), with '>' or '<' when a side did not finish. */
export function speedup(
  m: Measurement | undefined,
  ref: Measurement | undefined,
): { text: string; value: number | undefined } {
  const a = m && bounds(m);
  const b = ref && bounds(ref);
  if (!a || !b || (a.lowerBound && b.lowerBound)) return { text: '—', value: undefined };
  const r = b.ms / a.ms;
  if (b.lowerBound) return { text: `>${fmtRatio(r)}`, value: r };
  if (a.lowerBound) return { text: `<${fmtRatio(r)}`, value: undefined };
  return { text: fmtRatio(r), value: r };
}

function row(result: CaseResult, m: Measurement, first: boolean): string[] {
  const by = (id: ContenderId) => result.measurements.find((x) => x.contender === id);
  const ratios = [speedup(m, by('tfjs-wasm')).text, speedup(m, by('tfjs-cpu')).text];
  const others = first && result.othersCores !== undefined ? `${result.othersCores.toFixed(2)} cores` : '';
  const head = [first ? result.bench.name : '', label(m)];
  const o = m.outcome;
  switch (o.kind) {
    case 'ok':
      return [
        ...head,
        fmtTime(o.median),
        fmtTime(o.min),
        (result.bench.flops / o.median / 1e6).toFixed(2),
        `${o.samples.length}×${o.reps}`,
        o.busy.toFixed(2),
        ...ratios,
        others,
      ];
    case 'capped':
      return [
        ...head,
        `> ${o.capMs / 1000} s (not finished)`,
        '',
        `< ${(result.bench.flops / o.capMs / 1e6).toFixed(3)}`,
        '0 of 1',
        '',
        ...ratios,
        others,
      ];
    case 'error':
      return [...head, 'error (see below)', '', '', '', '', '', '', others];
    case 'n/a':
      return [...head, 'n/a', '', '', '', '', '', '', others];
  }
}

export function printSuiteTables(results: readonly CaseResult[]): void {
  const groups = [...new Set(results.map((r) => r.bench.group))];
  for (const group of groups) {
    const inGroup = results.filter((r) => r.bench.group === group);
    const gflop = inGroup[0]!.bench.flops / 1e9;
    log(`\n${group} — ${gflop.toFixed(3)} GFLOP per ${inGroup[0]!.bench.name === 'step' ? 'step (3× forward)' : 'op'}`);
    const rows = inGroup.flatMap((r) => r.measurements.map((m, i) => row(r, m, i === 0)));
    table(HEADER, rows).forEach((line) => {
      log(`  ${line}`);
    });
    for (const r of inGroup) {
      for (const m of r.measurements)
        if (m.outcome.kind === 'error') log(`  error: ${r.bench.name}, ${label(m)}: ${m.outcome.message}`);
    }
  }
}

export function printLegend(): void {
  log(
    'median/min: per op over the timed runs (each run repeats a fast op "reps" times); runs interleaved across contenders.',
  );
  log("×tfjs-wasm, ×tfjs-cpu: that reference's median / this median, same run (>1 = faster than the reference).");
  log("cpu/wall: process CPU time / wall time over this contender's timed runs (1.0 = one busy core).");
  log("others: cores used by other processes during the case's timed runs (/proc/stat minus this process).");
}
