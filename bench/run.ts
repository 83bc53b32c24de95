/**
 * pnpm bench [matmul|conv|train|resnet|random|mnist ...] [suite/case ...] [--quick]
 *
 * Without suite names runs all but mnist; `suite/case` (e.g. train/lenet5-step) runs one case of a suite. Prints one table per suite, then
 * each suite's target ratios (declared in bench/suites/), and writes the whole output to
 * bench/results/latest.txt. --quick cuts warm-ups, runs and caps for a smoke
 * test; its figures are not results.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { describeRuntimes } from './contenders.js';
import { FULL, QUICK, measureCase, type CaseResult } from './harness.js';
import { awaitQuiet, CORES } from './machine.js';
import { printLegend, printSuiteTables } from './print.js';
import { log, transcript } from './report.js';
import { SUITES } from './suites/index.js';
import { runMnist } from './suites/mnist.js';
import { printTargets } from './targets.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const known = [...Object.keys(SUITES), 'mnist'];
const asked = args.filter((a) => !a.startsWith('--')).map((a) => a.split('/')[0]!);
/** Case ids asked for per suite; a suite named without a case runs whole. */
const onlyCases = new Map<string, Set<string>>();
for (const a of args.filter((x) => !x.startsWith('--') && x.includes('/'))) {
  const [suite, id] = a.split('/') as [string, string];
  onlyCases.set(suite, (onlyCases.get(suite) ?? new Set()).add(id));
}
for (const a of args.filter((x) => !x.startsWith('--') && !x.includes('/'))) onlyCases.delete(a);
const unknown = asked.filter((a) => !known.includes(a));
if (unknown.length) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; choose from ${known.join(', ')}`);
  process.exit(2);
}
const chosen = asked.length ? known.filter((s) => asked.includes(s)) : Object.keys(SUITES);
const budget = quick ? QUICK : FULL;

log(
  `gradstream benchmarks — ${new Date().toISOString()}${quick ? ' — QUICK (smoke test: figures are not results)' : ''}`,
);
log(`${cpus()[0]?.model ?? 'unknown CPU'}, ${CORES} cores`);
if (chosen.some((s) => s !== 'mnist')) {
  (await describeRuntimes()).forEach((l) => {
    log(l);
  });
  log(
    `budget: ≥${budget.warmups} warm-ups filling ≥${budget.warmupMs / 1000} s (1 for runs over ${budget.slowRunMs / 1000} s), reps per run chosen from the last warm-up, ${budget.runs} timed runs unless they exceed ${budget.timedBudgetMs / 1000} s together, capped contenders stopped after ${budget.capMs / 1000} s, a full GC before each timed run and then ≥${budget.settleMs / 1000} s of untimed runs in this process`,
  );
  printLegend();
}

const results = new Map<string, CaseResult>();
for (const name of chosen) {
  log(`\n=== ${name} ===`);
  // A full run waits longer for the neighbours to finish; a smoke test should not.
  log(await awaitQuiet(0.3, quick ? 5_000 : 180_000));
  if (name === 'mnist') {
    await runMnist();
    continue;
  }
  const suite = SUITES[name]!;
  log(suite.title);
  for (const line of (await suite.preamble?.()) ?? []) log(line);
  const suiteResults: CaseResult[] = [];
  const only = onlyCases.get(name);
  const cases = (await suite.cases(quick)).filter((c) => !only || only.has(c.id));
  if (only && cases.length < only.size) {
    console.error(
      `unknown case(s) of ${name}: ${[...only].filter((id) => !cases.some((c) => c.id === id)).join(', ')}`,
    );
    process.exit(2);
  }
  for (const bench of cases) {
    process.stderr.write(`  measuring ${bench.suite}/${bench.id} …\n`);
    const result = await measureCase(bench, budget, quick);
    suiteResults.push(result);
    results.set(`${bench.suite}/${bench.id}`, result);
  }
  printSuiteTables(suiteResults);
}

if (results.size) printTargets(results);
log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.txt', import.meta.url), transcript());
// The wasm backends' worker threads would keep the process alive.
process.exit(0);
