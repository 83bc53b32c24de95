/**
 * `profile(fn)`: where the time of a piece of work goes, kernel by kernel.
 */
import { ArgumentError } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { startRecorder, stopRecorder, type Recorder } from './profiler.js';

/** One kernel's totals over a profile. */
export interface KernelStats {
  /** The kernel, as the op that called it names it: 'conv', 'matmul', 'relu', 'add', 'write' (an upload), 'read' (dataSync), … */
  readonly kernel: string;
  readonly calls: number;
  /** Self time in milliseconds, summed over the calls. */
  readonly ms: number;
  /** Bytes of every input plus every output, summed over the calls. */
  readonly bytes: number;
  /** Floating-point operations, when every call had a known count (conv, matmul, elementwise arithmetic, sum). */
  readonly flops: number | undefined;
  /** flops / time, in GFLOP/s, when flops is known. */
  readonly gflops: number | undefined;
  /** This kernel's part of the summed kernel time; the shares of a profile add up to 1. */
  readonly share: number;
}

/** What `profile` measured, slowest kernel first. */
export interface Profile<T> {
  /** What `fn` returned (awaited, when it returned a promise). */
  readonly result: T;
  readonly kernels: readonly KernelStats[];
  /** Time spent inside kernels. */
  readonly kernelMs: number;
  /** Wall time of `fn`; the difference to `kernelMs` is JavaScript outside the kernels (graph building, tape, allocation). */
  readonly wallMs: number;
}

function summarise<T>(result: T, recorder: Recorder, wallMs: number): Profile<T> {
  let kernelMs = 0;
  for (const e of recorder.entries.values()) kernelMs += e.ms;
  const kernels = [...recorder.entries.entries()]
    .map(
      ([kernel, e]): KernelStats => ({
        kernel,
        calls: e.calls,
        ms: e.ms,
        bytes: e.bytes,
        flops: e.flops,
        gflops: e.flops === undefined || e.ms <= 0 ? undefined : e.flops / e.ms / 1e6,
        share: kernelMs > 0 ? e.ms / kernelMs : 1 / recorder.entries.size,
      }),
    )
    .sort((a, b) => b.ms - a.ms || a.kernel.localeCompare(b.kernel));
  return { result, kernels, kernelMs, wallMs };
}

const isThenable = (x: unknown): x is PromiseLike<unknown> =>
  typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';

/**
 * Runs `fn` and reports, per kernel, the calls, the time, the bytes moved
 * and the GFLOP/s. When `fn` returns a promise, `profile` returns one that
 * settles after it; kernels that other code runs meanwhile are counted too.
 * Profiles may nest or overlap: each counts every kernel run while it is open.
 * Outside a profile, ops pay nothing for the profiler.
 *
 * @example
 * ```ts
 * const p = profile(() => tidy(() => matmul(randn([256, 256]), randn([256, 256])).dataSync()));
 * console.log(formatProfile(p));
 * // or, for async work:
 * const q = await profile(async () => { await trainOneStep(); });
 * ```
 */
export function profile<T>(fn: () => Promise<T>): Promise<Profile<T>>;
export function profile<T>(fn: () => T): Profile<T>;
export function profile<T>(fn: () => T | Promise<T>): Profile<T> | Promise<Profile<T>> {
  if (typeof fn !== 'function') throw new ArgumentError('profile', `expects a function, got ${typeof fn}`);
  const recorder = startRecorder();
  const t0 = performance.now();
  let value: T | Promise<T>;
  try {
    value = fn();
  } catch (e) {
    stopRecorder(recorder);
    throw e;
  }
  if (!isThenable(value)) {
    stopRecorder(recorder);
    return summarise(value, recorder, performance.now() - t0);
  }
  return Promise.resolve(value).then(
    (v) => {
      stopRecorder(recorder);
      return summarise(v, recorder, performance.now() - t0);
    },
    (e: unknown) => {
      stopRecorder(recorder);
      throw e;
    },
  );
}

/** Options of `formatProfile`. */
export interface FormatProfileOptions {
  /** Rows to show, slowest first; the rest are summed into one row (default: all). */
  readonly top?: number;
  /** Divide calls, time and bytes by this many repetitions (e.g. training steps) to show per-step figures (default 1). */
  readonly per?: number;
}

const FORMAT_OPTIONS = ['top', 'per'] as const;

function fmtBytes(b: number): string {
  if (b >= 1e9) return `${(b / 1e9).toFixed(2)} GB`;
  if (b >= 1e6) return `${(b / 1e6).toFixed(1)} MB`;
  if (b >= 1e3) return `${(b / 1e3).toFixed(1)} kB`;
  return `${b.toFixed(0)} B`;
}

/**
 * The profile as a text table: kernel, calls, total ms, ms per call, bytes
 * moved, GFLOP/s and share, then the kernel and wall totals.
 *
 * @example
 * ```ts
 * console.log(formatProfile(profile(() => model.call(x).dispose()), { top: 10 }));
 * ```
 */
export function formatProfile(p: Profile<unknown>, options?: FormatProfileOptions): string {
  const { top = p.kernels.length, per = 1 } = checkOptions('formatProfile', options, FORMAT_OPTIONS);
  if (!(Number.isInteger(top) && top >= 0))
    throw new ArgumentError('formatProfile', `top must be an integer ≥ 0, got ${top}`);
  if (!(per > 0)) throw new ArgumentError('formatProfile', `per must be > 0, got ${per}`);
  const shown = p.kernels.slice(0, top);
  const rest = p.kernels.slice(top);
  const row = (k: Pick<KernelStats, 'kernel' | 'calls' | 'ms' | 'bytes' | 'gflops' | 'share'>): string[] => [
    k.kernel,
    String(Number.isInteger(k.calls / per) ? k.calls / per : (k.calls / per).toFixed(1)),
    (k.ms / per).toFixed(3),
    k.calls > 0 ? ((k.ms / k.calls) * 1000).toFixed(1) : '',
    fmtBytes(k.bytes / per),
    k.gflops === undefined ? '' : k.gflops.toFixed(2),
    `${(100 * k.share).toFixed(1)}%`,
  ];
  const rows = shown.map(row);
  if (rest.length > 0) {
    const sum = (f: (k: KernelStats) => number) => rest.reduce((a, k) => a + f(k), 0);
    rows.push(
      row({
        kernel: `(${rest.length} more)`,
        calls: sum((k) => k.calls),
        ms: sum((k) => k.ms),
        bytes: sum((k) => k.bytes),
        gflops: undefined,
        share: sum((k) => k.share),
      }),
    );
  }
  const header = ['kernel', 'calls', 'total ms', 'µs/call', 'bytes moved', 'GFLOP/s', 'share'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const perText = per === 1 ? '' : ` per step (over ${per})`;
  return [
    fmt(header),
    ...rows.map(fmt),
    `kernels ${(p.kernelMs / per).toFixed(2)} ms of ${(p.wallMs / per).toFixed(2)} ms wall${perText}`,
  ].join('\n');
}
