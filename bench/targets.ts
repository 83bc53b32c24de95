/**
 * Prints each suite's targets (declared beside its cases in bench/suites/),
 * judged on the figures measured in this run.
 */
import { contender, type ContenderId } from './contenders.js';
import type { CaseResult } from './harness.js';
import { speedup } from './print.js';
import { log } from './report.js';
import { SUITES } from './suites/index.js';
import type { EfficiencyTarget, RateTarget, RatioTarget } from './suites/suite.js';

const THREADS: Partial<Record<ContenderId, string>> = { 'gs-wasm-1t': '1 thread', 'gs-wasm-2t': '2 threads' };

function ratioVerdicts(t: RatioTarget, result: CaseResult): string[] {
  return t.pairs.map(([c, ref]) => {
    const find = (id: ContenderId) => result.measurements.find((m) => m.contender === id);
    const r = speedup(find(c), find(ref));
    const verdict =
      r.value === undefined
        ? 'UNKNOWN (no figure for one side)'
        : `${r.text}× ${r.value >= t.atLeast ? 'MET' : 'NOT MET'}`;
    return `${t.pairs.length > 1 ? `${THREADS[c] ?? c}: ` : ''}${verdict}`;
  });
}

function rateVerdicts(t: RateTarget, result: CaseResult): string[] {
  return t.contenders.map((c) => {
    const m = result.measurements.find((x) => x.contender === c);
    const label = t.contenders.length > 1 ? `${contender(c).label}: ` : '';
    if (m?.outcome.kind !== 'ok') return `${label}UNKNOWN (no figure)`;
    const perSecond = result.bench.flops / (m.outcome.median / 1000);
    return `${label}${(perSecond / 1e6).toFixed(1)} ${t.unit} ${perSecond >= t.atLeast ? 'MET' : 'NOT MET'}`;
  });
}

function efficiencyVerdicts(t: EfficiencyTarget, result: CaseResult, baseline: CaseResult | undefined): string[] {
  return t.contenders.map((c) => {
    const gflops = (r: CaseResult | undefined): number | undefined => {
      const m = r?.measurements.find((x) => x.contender === c);
      return m?.outcome.kind === 'ok' ? r!.bench.flops / m.outcome.median / 1e6 : undefined;
    };
    const [mine, base] = [gflops(result), gflops(baseline)];
    const label = t.contenders.length > 1 ? `${THREADS[c] ?? c}: ` : '';
    if (mine === undefined || base === undefined) return `${label}UNKNOWN (run ${t.baseline} in the same run)`;
    const f = mine / base;
    return `${label}${(100 * f).toFixed(0)}% (${mine.toFixed(1)} of ${base.toFixed(1)} GFLOP/s) ${f >= t.atLeast ? 'MET' : 'NOT MET'}`;
  });
}

export function printTargets(results: ReadonlyMap<string, CaseResult>): void {
  log('\n== targets (ratio = reference time / gradstream time, measured in this run) ==');
  for (const t of Object.values(SUITES).flatMap((s) => s.targets ?? [])) {
    const result = results.get(t.key);
    if (!result) continue;
    const verdicts =
      t.kind === 'rate'
        ? rateVerdicts(t, result)
        : t.kind === 'efficiency'
          ? efficiencyVerdicts(t, result, results.get(t.baseline))
          : ratioVerdicts(t, result);
    log(`  ${t.text.padEnd(50)} ${verdicts.join('; ')}`);
  }
}
