/** The per-suite tables. */
import { contender, isTorch, type ContenderId } from './contenders.js';
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
  '×torch',
  'others',
];

/** The PyTorch column a row is compared with: the same thread count (our cpu backend and tfjs run one thread). */
function torchPeer(id: ContenderId): ContenderId | undefined {
  if (isTorch(id)) return undefined;
  return id === 'gs-wasm-2t' ? 'torch-2t' : 'torch-1t';
}

/** Marks a ratio whose reference substituted a composed kernel (see the legend). */
function marked(text: string, m: Measurement, ref: Measurement | undefined): string {
  return ref?.note && ref !== m && text !== '—' ? `${text}*` : text;
}

/** Median rate in the case's unit: GFLOP/s, or M values/s. */
function rate(bench: CaseResult['bench'], ms: number): string {
  return bench.unit === 'values' ? `${(bench.flops / ms / 1e3).toFixed(1)} M/s` : (bench.flops / ms / 1e6).toFixed(2);
}

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
  const peer = torchPeer(m.contender);
  const ratios = [
    marked(speedup(m, by('tfjs-wasm')).text, m, by('tfjs-wasm')),
    marked(speedup(m, by('tfjs-cpu')).text, m, by('tfjs-cpu')),
    peer && by(peer) ? speedup(m, by(peer)).text : '',
  ];
  const others = first && result.othersCores !== undefined ? `${result.othersCores.toFixed(2)} cores` : '';
  const head = [first ? result.bench.name : '', label(m)];
  const o = m.outcome;
  switch (o.kind) {
    case 'ok':
      return [
        ...head,
        fmtTime(o.median),
        fmtTime(o.min),
        rate(result.bench, o.median),
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
        `< ${rate(result.bench, o.capMs)}`,
        '0 of 1',
        '',
        ...ratios,
        others,
      ];
    case 'error':
      return [...head, 'error (see below)', '', '', '', '', '', '', '', others];
    case 'n/a':
      return [...head, 'n/a', '', '', '', '', '', '', '', others];
  }
}

export function printSuiteTables(results: readonly CaseResult[]): void {
  const groups = [...new Set(results.map((r) => r.bench.group))];
  for (const group of groups) {
    const inGroup = results.filter((r) => r.bench.group === group);
    const first = inGroup[0]!.bench;
    log(
      first.unit === 'values'
        ? `\n${group} — ${(first.flops / 1e6).toFixed(1)} M values per op`
        : `\n${group} — ${(first.flops / 1e9).toFixed(3)} GFLOP per ${first.name === 'step' ? 'step (3× forward)' : 'op'}`,
    );
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
  log(
    "×tfjs-wasm, ×tfjs-cpu, ×torch: that reference's median / this median, same run (>1 = faster than the reference); ×torch is PyTorch at the same thread count (torch 2t for gradstream wasm 2t, torch 1t otherwise).",
  );
  log(
    "*: the reference has no native kernel for this (tfjs-wasm ships no Conv2DBackpropFilter); its filter gradient is its own conv2d on transposed tensors, a fair substitute but not tfjs's kernel.",
  );
  log("GFLOP/s: of the case's FLOPs; rows of the random suite show M values/s instead.");
  log("cpu/wall: process CPU time / wall time over this contender's timed runs (1.0 = one busy core).");
  log("others: cores used by other processes during the case's timed runs (/proc/stat minus this process).");
}
