/**
 * Child side of capped.ts: rebuilds one case, reports when its inputs are
 * ready (the cap starts then) and how long one run took.
 */
import { activate, type ContenderId } from './contenders.js';
import { SUITES } from './suites/index.js';

const [suite, id, contender, flag] = process.argv.slice(2) as [string, string, ContenderId, string];
const send = (m: object) => new Promise<void>((r) => process.send!(m, () => r()));

try {
  const bench = (await SUITES[suite]!.cases(flag === '--quick')).find((c) => c.id === id);
  if (!bench) throw new Error(`no case ${suite}/${id}`);
  await activate(contender);
  const runner = await bench.setup(contender);
  if (!runner) throw new Error(`${contender} does not run ${suite}/${id}`);
  await send({ started: true });
  const t0 = performance.now();
  if (runner.timed) await runner.timed(1);
  else runner.run!();
  await send({ ms: performance.now() - t0 });
} catch (e) {
  await send({ error: (e instanceof Error ? e.message : String(e)).split('\n', 1)[0] });
}
process.exit(0);
