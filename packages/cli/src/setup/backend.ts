import '@gradstream/backend-cpu';
import { WasmBackend, setThreads } from '@gradstream/backend-wasm';
import { getBackend, setBackend } from '@gradstream/core';
import { UsageError } from '../command-line/usage-error.js';

/** Backends selectable with --backend; 'auto' means wasm if it starts, else cpu. */
export const BACKEND_NAMES = ['auto', 'wasm', 'cpu'] as const;

/** A --backend value. */
export type BackendChoice = (typeof BACKEND_NAMES)[number];

/** The backend a run ended up on, and why it is not the one asked for (if so). */
export interface StartedBackend {
  readonly name: 'wasm' | 'cpu';
  readonly note?: string;
}

/**
 * Makes the chosen backend active. 'auto' falls back to the CPU reference
 * when WebAssembly cannot start (no SIMD, kernels not built); an explicit
 * 'wasm' that cannot start is an error. `threads` sizes the wasm worker pool.
 * @throws UsageError for --threads with --backend cpu.
 */
export async function startBackend(choice: BackendChoice, threads?: number): Promise<StartedBackend> {
  await restartWorkerThreads();
  if (threads !== undefined) {
    if (choice === 'cpu') throw new UsageError('--threads applies to the wasm backend only');
    // Before setBackend, so the worker pool starts at this size instead of being resized.
    await setThreads(threads);
  }
  if (choice === 'cpu') {
    await setBackend('cpu');
    return { name: 'cpu' };
  }
  try {
    await setBackend('wasm');
    return { name: 'wasm' };
  } catch (e) {
    if (choice === 'wasm') throw e;
    await setBackend('cpu');
    return { name: 'cpu', note: `wasm unavailable (${e instanceof Error ? e.message : String(e)}); using cpu` };
  }
}

/** The wasm backend whose workers {@link stopWorkerThreads} stopped, and how many threads it had. */
let stopped: { readonly backend: WasmBackend; readonly threads: number } | undefined;

/**
 * Stops the wasm worker threads of the active backend for the rest of a
 * command whose parallel work is over (the pictures `train` draws after
 * training): each idle worker is a V8 isolate of its own, about 20 MB
 * resident. The next {@link startBackend} in this process gives them back.
 */
export async function stopWorkerThreads(): Promise<void> {
  const backend = getBackend();
  if (!(backend instanceof WasmBackend) || backend.threads <= 1) return;
  stopped = { backend, threads: backend.threads };
  await backend.setThreads(1);
}

async function restartWorkerThreads(): Promise<void> {
  const s = stopped;
  stopped = undefined;
  if (s) await s.backend.setThreads(s.threads);
}
