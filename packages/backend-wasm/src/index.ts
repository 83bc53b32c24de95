/**
 * @gradstream/backend-wasm — the WebAssembly SIMD backend, registered as
 * `wasm`. Importing this module registers it; `await setBackend('wasm')`
 * compiles the kernels and starts the worker threads.
 *
 * @example
 * ```ts
 * import { setBackend } from '@gradstream/core';
 * import { setThreads } from '@gradstream/backend-wasm';
 * await setBackend('wasm');
 * await setThreads(2);
 * ```
 */
import { checkOptions, registerBackend } from '@gradstream/core';
// Declares the platform types our .d.ts name, for projects without the DOM library.
import './ambient-types.js';
import { WasmBackend, type WasmBackendOptions } from './wasm-backend.js';
import { WasmRuntime } from './runtime/wasm-runtime.js';
import { defaultThreads } from './threads.js';
import { DEFAULT_MIN_PARALLEL_FLOPS } from './kernels/parallel.js';

export { WasmBackend, type WasmBackendOptions };
export { setThreads, getThreads } from './threads.js';
export { setWasmPaths, type WasmPaths, type WasmFileName, type WasmFileSource } from './wasm-files.js';

/**
 * Compiles the kernel module (relaxed SIMD where supported), allocates its
 * memory and starts the worker threads.
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  checkOptions('createWasmBackend', options, ['threads', 'relaxedSimd', 'minParallelFlops']);
  const runtime = await WasmRuntime.create({
    threads: options.threads ?? (await defaultThreads()),
    relaxedSimd: options.relaxedSimd ?? 'auto',
    minParallelFlops: options.minParallelFlops ?? DEFAULT_MIN_PARALLEL_FLOPS,
  });
  return new WasmBackend(runtime);
}

registerBackend('wasm', async () => createWasmBackend(), { priority: 1 });
