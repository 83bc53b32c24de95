import '@gradstream/backend-cpu';
import { setThreads } from '@gradstream/backend-wasm';
import { setBackend } from '@gradstream/core';
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
