// What the kernel-work scripts (lenet-step-profile.ts, resnet-profile.ts) share: loading a
// backend-wasm package folder from source for A/B runs, the two clocks, and small helpers.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Backend, TensorInfo } from '@gradstream/core';

/** The part of @gradstream/backend-wasm the scripts use. */
export interface WasmModule {
  createWasmBackend(options?: { threads?: number }): Promise<Backend & { setThreads(n: number): Promise<void> }>;
}

/** Imports backend-wasm from a package folder (src/ and a built build/), so two states can run in one process. */
export async function loadWasmPackage(dir: string): Promise<WasmModule> {
  return (await import(pathToFileURL(resolve(dir, 'src/index.ts')).href)) as WasmModule;
}

/**
 * `cpu` reads the process's CPU time (all its threads) instead of the wall
 * clock: on a machine shared with other jobs it leaves out the time this
 * process spent descheduled. Only meaningful at 1 thread (idle workers poll
 * for a while after each kernel).
 */
export function clock(kind: string): () => number {
  if (kind !== 'cpu') return () => performance.now();
  return () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Whether a backend call's argument is a tensor (for call-site labels). */
export function isTensorInfo(v: unknown): v is TensorInfo {
  return typeof v === 'object' && v !== null && 'shape' in v && 'dataId' in v && Array.isArray((v as TensorInfo).shape);
}
