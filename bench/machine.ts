/**
 * How busy the shared machine is. Other engineers run tests here, so every
 * figure is printed beside the load it was measured under.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export const CORES = availableParallelism();

interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

/** Aggregate jiffies of the first line of /proc/stat; undefined off Linux. */
export function readCpuTimes(): CpuTimes | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal; guest time is already inside user.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = fields[3]! + fields[4]!;
  return { busy: total - idle, total };
}

/** Cores in use by everything on the machine between two readings. */
export function busyCores(from: CpuTimes, to: CpuTimes): number {
  const total = to.total - from.total;
  return total > 0 ? ((to.busy - from.busy) / total) * CORES : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Cores busy over the next `ms` (this process is idle meanwhile, so it is all someone else). */
export async function sampleBusyCores(ms = 1000): Promise<number | undefined> {
  const a = readCpuTimes();
  await sleep(ms);
  const b = readCpuTimes();
  return a && b ? busyCores(a, b) : undefined;
}

/**
 * Waits (up to `maxWaitMs`) for the others to use less than `threshold` cores,
 * because a benchmark sharing its 2 cores measures the neighbour, not the code.
 * Returns a line describing what was found.
 */
export async function awaitQuiet(threshold = 0.3, maxWaitMs = 60_000): Promise<string> {
  const start = performance.now();
  let busy = await sampleBusyCores();
  if (busy === undefined) return '/proc/stat unavailable: machine load unknown';
  while (busy > threshold && performance.now() - start < maxWaitMs) busy = (await sampleBusyCores(5000))!;
  const waited = (performance.now() - start) / 1000;
  const idlePct = (100 * (1 - busy / CORES)).toFixed(0);
  const verdict =
    busy > threshold
      ? `still busy after waiting ${waited.toFixed(0)} s — figures below are noisy`
      : waited > 2
        ? `quiet after waiting ${waited.toFixed(0)} s`
        : 'quiet';
  return `/proc/stat before the run: ${idlePct}% idle (${busy.toFixed(2)} of ${CORES} cores busy elsewhere), ${verdict}`;
}
