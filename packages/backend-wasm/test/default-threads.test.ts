import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWasmBackend } from '@gradstream/backend-wasm';

// The core count is the one input of the default; pretending it lets one
// machine check single-core, dual-core and many-core hosts.
const cores = vi.hoisted(() => ({ count: 2 }));
vi.mock('../src/runtime/environment.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../src/runtime/environment.js')>()),
  coreCount: async () => cores.count,
}));

describe('default thread count', () => {
  afterEach(() => {
    cores.count = 2;
  });

  it.each([
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 4],
    [16, 4],
  ])('%i core(s) → %i thread(s): on when more than one core, at most 4', async (count, expected) => {
    cores.count = count;
    const backend = await createWasmBackend({ minParallelFlops: 0 });
    try {
      expect(backend.threads).toBe(expected);
      // The workers are real: a split matmul gives the right answer.
      const x = {
        dataId: backend.write(new Float32Array(16 * 16).fill(1), [1, 16, 16], 'float32'),
        shape: [1, 16, 16],
        dtype: 'float32' as const,
      };
      const y = backend.matmul(x, x, false, false);
      expect(Array.from(backend.readSync(y.dataId, 'float32')).every((v) => v === 16)).toBe(true);
    } finally {
      backend.dispose();
    }
  });
});
