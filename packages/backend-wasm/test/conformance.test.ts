import { afterAll, describe, it } from 'vitest';
import '@gradstream/backend-cpu';
import { registerBackend } from '@gradstream/core';
import { backendConformance } from '@gradstream/core/testing';
import { type WasmBackend, createWasmBackend } from '@gradstream/backend-wasm';
import { CONFIGS } from './helpers.js';

// The suite third parties run on their own backends, run here on ours under
// every configuration CI can reach: 1 and 2 threads, relaxed SIMD off and on.
describe.each(CONFIGS)('backendConformance (threads $threads, relaxed $relaxedSimd)', (config) => {
  const name = `wasm-t${config.threads}-${config.relaxedSimd ? 'relaxed' : 'simd'}`;
  let backend: WasmBackend | undefined;
  registerBackend(name, async () => (backend = await createWasmBackend({ ...config, minParallelFlops: 0 })), {
    priority: -1,
  });
  afterAll(() => backend?.dispose());
  for (const c of backendConformance(name, { numRuns: 15, seed: 42 })) it(c.kernel, c.run);
});
