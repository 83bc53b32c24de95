import { getBackend, getBackendName, setBackend } from '@gradstream/core';
import '@gradstream/backend-cpu';
import { WasmBackend, setThreads } from '@gradstream/backend-wasm';

/** What the page trains on. */
export interface Engine {
  readonly backend: 'wasm' | 'cpu';
  /** Threads the wasm kernels use (1 on cpu). */
  readonly threads: number;
  /** Cross-origin isolated pages have SharedArrayBuffer, so wasm can run worker threads. */
  readonly isolated: boolean;
}

/**
 * Switches to `backend` with `threads` threads where the page allows them:
 * without cross-origin isolation there is no shared memory and wasm runs on
 * the page's own thread.
 */
export async function useEngine(backend: Engine['backend'], threads: number): Promise<Engine> {
  const isolated = globalThis.crossOriginIsolated === true;
  const wanted = backend === 'wasm' && isolated ? Math.max(1, Math.floor(threads)) : 1;
  if (backend === 'wasm') await setThreads(wanted);
  await setBackend(backend);
  const active = getBackend();
  return {
    backend: getBackendName() as Engine['backend'],
    threads: active instanceof WasmBackend ? active.threads : 1,
    isolated,
  };
}

/** One line saying where training runs, e.g. "wasm, 2 threads (cross-origin isolated)". */
export function describeEngine(e: Engine): string {
  const threads = `${e.threads} thread${e.threads === 1 ? '' : 's'}`;
  if (e.backend === 'cpu') return 'cpu backend (TypeScript), 1 thread';
  return e.isolated
    ? `wasm backend, ${threads} (cross-origin isolated)`
    : `wasm backend, 1 thread (not cross-origin isolated: no shared memory for worker threads)`;
}
