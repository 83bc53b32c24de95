/**
 * Times one benchmark case on every contender, interleaved (A B C A B C …)
 * so that a neighbour's burst of load hits all columns alike.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { activate, availableContenders, type ContenderId } from './contenders.js';
import { busyCores, readCpuTimes } from './machine.js';
import { runCapped } from './capped.js';

/**
 * A prepared contender: `run` does the work once and forces it to finish, or,
 * for work in another process (PyTorch), `timed` does it `reps` times and
 * reports the wall and CPU milliseconds that process measured.
 */
export interface Runner {
  run?(): void;
  timed?(reps: number): Promise<{ readonly ms: number; readonly cpuMs: number }>;
  dispose(): void;
  /** Shown beside the contender's label, e.g. 'composed' for a substituted gradient. */
  readonly note?: string;
}

export interface BenchCase {
  /** Suite name and id let a child process rebuild the case (see capped-child.ts). */
  readonly suite: string;
  readonly id: string;
  /** Table section, e.g. the layer. */
  readonly group: string;
  /** Row label within the section, e.g. 'forward'. */
  readonly name: string;
  /** Work per run: FLOPs, or values made when `unit` is 'values'. */
  readonly flops: number;
  /** 'values': the rate column shows M values/s instead of GFLOP/s. */
  readonly unit?: 'values';
  /** Contenders whose first run is made in a child process that is killed after the cap. */
  readonly capped?: readonly ContenderId[];
  /** Builds inputs on the active backend of `contender`; undefined when it does not apply. */
  setup(contender: ContenderId): Runner | undefined | Promise<Runner | undefined>;
}

export interface Budget {
  /** Untimed runs before timing, the calibration run included (at least). */
  readonly warmups: number;
  /**
   * Warm-up runs continue until they have taken about this long together:
   * V8 compiles hot WebAssembly and JS with its optimizing tier in the
   * background, so a fast op needs many calls before it runs at speed. A
   * two-thread contender gets there last: in a fresh process, gradstream
   * wasm's LeNet-5 step ran 3.6 ms at 1 s, 3.0 ms at 2 s and its steady
   * 2.6 ms only after 3–3.5 s at 2 threads, against about 1.5 s at 1 thread
   * (its worker is late to claim its share early on; why is not pinned
   * down: V8 flags turning off concurrent compilation, parallel GC or wasm
   * tiering did not change the curve).
   */
  readonly warmupMs: number;
  readonly runs: number;
  /** A fast op is repeated inside one timed run until the run lasts about this long. */
  readonly runTargetMs: number;
  /** Timed runs are cut below `runs` when they would take longer than this together. */
  readonly timedBudgetMs: number;
  /** A run slower than this gets a single warm-up. */
  readonly slowRunMs: number;
  /** Wall-time limit of a capped contender's single trial run. */
  readonly capMs: number;
  /** Untimed runs, at least one, fill this long after each forced GC and before a timed run (see settle). */
  readonly settleMs: number;
}

export const FULL: Budget = {
  warmups: 2,
  warmupMs: 3_000,
  runs: 5,
  runTargetMs: 100,
  timedBudgetMs: 40_000,
  slowRunMs: 3_000,
  capMs: 60_000,
  settleMs: 1_000,
};
export const QUICK: Budget = {
  warmups: 1,
  warmupMs: 100,
  runs: 2,
  runTargetMs: 20,
  timedBudgetMs: 5_000,
  slowRunMs: 1_000,
  capMs: 10_000,
  settleMs: 0,
};

export type Outcome =
  | {
      readonly kind: 'ok';
      readonly samples: readonly number[];
      readonly reps: number;
      readonly median: number;
      readonly min: number;
      readonly busy: number;
    }
  | { readonly kind: 'capped'; readonly capMs: number }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'n/a' };

export interface Measurement {
  readonly contender: ContenderId;
  readonly note: string | undefined;
  readonly outcome: Outcome;
}

export interface CaseResult {
  readonly bench: BenchCase;
  readonly measurements: readonly Measurement[];
  /** Cores used by other processes during the timed rounds. */
  readonly othersCores: number | undefined;
}

interface Live {
  readonly contender: ContenderId;
  readonly runner: Runner;
  reps: number;
  warmups: number;
  runs: number;
  readonly samples: number[];
  cpuMicros: number;
  wallMs: number;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n', 1)[0]!.slice(0, 160);

setFlagsFromString('--expose-gc');
/**
 * A full collection before each timed run, outside the timing, for every
 * contender alike: contenders share this process, and without it one
 * contender's garbage (tfjs-cpu allocates hundreds of MB a step) is
 * collected during the next one's run. V8 sweeps the freed pages on
 * background threads afterwards; the pause lets that finish before timing,
 * so it does not take the second core from a two-thread contender.
 */
const fullGc = runInNewContext('gc') as () => void;
const SWEEP_PAUSE_MS = 30;
async function collectGarbage(): Promise<void> {
  fullGc();
  await new Promise((resolve) => setTimeout(resolve, SWEEP_PAUSE_MS));
}

/**
 * Untimed work after the forced collection, before a timed run. A full GC
 * between two steps, when none of a step's objects is alive, makes V8
 * deoptimize hot functions whose code embedded objects it freed
 * (`--trace-deopt`: "weak objects"; in core, `runOp`, `Tape.tracks` and
 * `Tape.hold` on every such GC). A training loop's own collections come
 * mid-step and do not. A two-thread contender takes longest to recover
 * (likely because re-optimizing runs on V8's background threads, on the
 * worker's core; not measured): after a forced GC, gradstream wasm 2t ran LeNet-5 steps at 5–10
 * ms for about 70 steps, against 3–4 ms with only the pause. In the bench,
 * its median was 9.69 ms with no settling, 6.10 ms after 0.5 s and 3.41 ms
 * after 1 s. PyTorch's process is not collected, so it has nothing to
 * recover from.
 */
function settle(runner: Runner, ms: number): void {
  const t0 = performance.now();
  do runner.run!();
  while (performance.now() - t0 < ms);
}

/** Wall and CPU milliseconds of `reps` runs; CPU time is this process's, or the other process's for `timed`. */
async function timeRuns(runner: Runner, reps: number, settleMs = 0): Promise<{ ms: number; cpuMs: number }> {
  await collectGarbage();
  if (runner.timed) return runner.timed(reps);
  if (settleMs > 0) settle(runner, settleMs);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) runner.run!();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Repetitions that make one run last about `runTargetMs`, from the time of one. */
function repsFor(oneMs: number, budget: Budget): number {
  return oneMs >= budget.runTargetMs ? 1 : Math.min(1000, Math.ceil(budget.runTargetMs / Math.max(oneMs, 1e-3)));
}

/**
 * Chooses warm-ups from the first (cold) run: at least `budget.warmups`,
 * more until they fill `budget.warmupMs`, one for a slow op.
 */
function planWarmups(live: Live, firstMs: number, budget: Budget): void {
  live.reps = repsFor(firstMs, budget);
  const runMs = firstMs * live.reps;
  live.warmups =
    runMs > budget.slowRunMs ? 1 : Math.max(budget.warmups, 1 + Math.ceil(budget.warmupMs / Math.max(runMs, 1e-3)));
}

/**
 * Chooses repetitions and timed runs from the last warm-up run: the cold
 * run includes compilation and would make a fast op's runs too short.
 */
function planRuns(live: Live, warmMs: number, budget: Budget): void {
  live.reps = repsFor(warmMs, budget);
  live.runs = Math.min(budget.runs, Math.max(1, Math.floor(budget.timedBudgetMs / (warmMs * live.reps))));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function prepare(bench: BenchCase, id: ContenderId, budget: Budget, quick: boolean): Promise<Live | Measurement> {
  if (bench.capped?.includes(id)) {
    const trial = await runCapped(bench, id, budget.capMs, quick);
    if (trial.kind !== 'done')
      return {
        contender: id,
        note: undefined,
        outcome:
          trial.kind === 'timeout'
            ? { kind: 'capped', capMs: budget.capMs }
            : { kind: 'error', message: trial.message },
      };
  }
  try {
    await activate(id);
    const runner = await bench.setup(id);
    if (!runner) return { contender: id, note: undefined, outcome: { kind: 'n/a' } };
    return { contender: id, runner, reps: 1, warmups: 0, runs: 0, samples: [], cpuMicros: 0, wallMs: 0 };
  } catch (e) {
    return { contender: id, note: undefined, outcome: { kind: 'error', message: errorText(e) } };
  }
}

/** Runs `step` on each live contender in turn until every one has had `rounds(l)` turns. */
async function interleave(
  lives: Live[],
  failed: Map<ContenderId, string>,
  rounds: (l: Live) => number,
  step: (l: Live, round: number) => Promise<void>,
): Promise<void> {
  const most = Math.max(0, ...lives.map(rounds));
  for (let r = 0; r < most; r++) {
    for (const l of lives) {
      if (r >= rounds(l) || failed.has(l.contender)) continue;
      try {
        await activate(l.contender);
        await step(l, r);
      } catch (e) {
        failed.set(l.contender, errorText(e));
      }
    }
  }
}

export async function measureCase(bench: BenchCase, budget: Budget, quick: boolean): Promise<CaseResult> {
  const prepared = [];
  for (const c of await availableContenders()) prepared.push(await prepare(bench, c.id, budget, quick));
  const lives = prepared.filter((p): p is Live => 'runner' in p);
  const failed = new Map<ContenderId, string>();
  // Per-rep time of each contender's latest untimed run.
  const lastWarmMs = new Map<ContenderId, number>();
  await interleave(
    lives,
    failed,
    () => 1,
    async (l) => {
      const { ms } = await timeRuns(l.runner, 1);
      lastWarmMs.set(l.contender, ms);
      planWarmups(l, ms, budget);
    },
  );
  await interleave(
    lives,
    failed,
    (l) => l.warmups - 1,
    async (l) => void lastWarmMs.set(l.contender, (await timeRuns(l.runner, l.reps)).ms / l.reps),
  );
  for (const l of lives) planRuns(l, lastWarmMs.get(l.contender)!, budget);
  const before = readCpuTimes();
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await interleave(
    lives,
    failed,
    (l) => l.runs,
    async (l) => {
      const { ms, cpuMs } = await timeRuns(l.runner, l.reps, budget.settleMs);
      l.samples.push(ms / l.reps);
      l.wallMs += ms;
      l.cpuMicros += cpuMs * 1000;
    },
  );
  const after = readCpuTimes();
  const wallS = (performance.now() - wallBefore) / 1000;
  // PyTorch's CPU time is its own process's: it is this bench's load, not the neighbours'.
  const childCpuS = lives.filter((l) => l.runner.timed).reduce((s, l) => s + l.cpuMicros / 1e6, 0);
  const cpuS = ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(cpuBefore)) + childCpuS;
  const othersCores = before && after && wallS > 0 ? Math.max(0, busyCores(before, after) - cpuS / wallS) : undefined;

  const measurements = prepared.map((p): Measurement => {
    if (!('runner' in p)) return p;
    p.runner.dispose();
    const error = failed.get(p.contender);
    if (error !== undefined)
      return { contender: p.contender, note: p.runner.note, outcome: { kind: 'error', message: error } };
    return {
      contender: p.contender,
      note: p.runner.note,
      outcome: {
        kind: 'ok',
        samples: p.samples,
        reps: p.reps,
        median: median(p.samples),
        min: Math.min(...p.samples),
        busy: p.cpuMicros / 1000 / p.wallMs,
      },
    };
  });
  return { bench, measurements, othersCores };
}
