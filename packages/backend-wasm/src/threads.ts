import { coreCount } from './runtime/environment.js';

/** Most threads used by default: beyond this a CNN's kernels stop scaling on shared memory bandwidth. */
const DEFAULT_MAX_THREADS = 4;

let configured: number | undefined;
const live = new Set<{ setThreads(count: number): Promise<void> }>();

/** Thread count a new backend starts with: the configured one, else the cores (capped). */
export async function defaultThreads(): Promise<number> {
  return configured ?? Math.min(DEFAULT_MAX_THREADS, Math.max(1, await coreCount()));
}

/** Registers a started backend so setThreads reaches it; returns the unregister function. */
export function track(backend: { setThreads(count: number): Promise<void> }): () => void {
  live.add(backend);
  return () => live.delete(backend);
}

/**
 * Sets how many threads (including the calling one) wasm kernels use, for
 * backends already started and those started later. 1 turns threading off.
 * Resolves when new workers are ready; until then kernels use the ready ones.
 *
 * @example
 * ```ts
 * await setThreads(1); // single-threaded, e.g. for benchmarks
 * ```
 */
export async function setThreads(count: number): Promise<void> {
  configured = Math.max(1, Math.floor(count));
  await Promise.all([...live].map((b) => b.setThreads(configured!)));
}

/** The configured thread count, or undefined when it follows the core count. */
export function getThreads(): number | undefined {
  return configured;
}
