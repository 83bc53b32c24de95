import { afterEach, describe, expect, it, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import { BackendError } from '@gradstream/core';
import { createWasmBackend } from '@gradstream/backend-wasm';
import { wasmUrl } from '../src/wasm-files.js';

const relaxedBuilds = await Promise.all(
  [true, false].map(async (shared) => new Uint8Array(await readFile(wasmUrl(true, shared)))),
);

function isRelaxedBuild(bytes: BufferSource): boolean {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes instanceof ArrayBuffer ? bytes : bytes.buffer);
  return relaxedBuilds.some((r) => r.length === b.length && r.every((v, i) => v === b[i]));
}

/** A runtime without relaxed SIMD: WebAssembly.validate rejects exactly the relaxed builds. */
function withoutRelaxedSimd(): void {
  const validate = WebAssembly.validate.bind(WebAssembly);
  vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => !isRelaxedBuild(bytes) && validate(bytes));
}

describe('relaxed SIMD selection', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('this runtime validates the relaxed build, so auto picks it', async () => {
    const backend = await createWasmBackend({ threads: 1, relaxedSimd: 'auto' });
    expect(backend.relaxedSimd).toBe(true);
    backend.dispose();
  });

  it.each([1, 2])(
    'auto falls back to the plain SIMD build when validate rejects relaxed (%i thread(s))',
    async (threads) => {
      withoutRelaxedSimd();
      const backend = await createWasmBackend({ threads, relaxedSimd: 'auto', minParallelFlops: 0 });
      try {
        expect(backend.relaxedSimd).toBe(false);
        expect(backend.threads).toBe(threads);
        const rejected = vi.mocked(WebAssembly.validate).mock.calls.filter(([bytes]) => isRelaxedBuild(bytes));
        expect(rejected.length).toBeGreaterThan(0);
        const a = {
          dataId: backend.write(
            Float32Array.from({ length: 12 }, (_, i) => i),
            [1, 3, 4],
            'float32',
          ),
          shape: [1, 3, 4],
          dtype: 'float32' as const,
        };
        const y = backend.matmul(a, a, false, true);
        expect(Array.from(backend.readSync(y.dataId, 'float32'))).toEqual([14, 38, 62, 38, 126, 214, 62, 214, 366]);
      } finally {
        backend.dispose();
      }
    },
  );

  it('relaxedSimd: true on such a runtime is a BackendError, not a silent fallback', async () => {
    withoutRelaxedSimd();
    await expect(createWasmBackend({ threads: 1, relaxedSimd: true })).rejects.toThrow(BackendError);
    await expect(createWasmBackend({ threads: 1, relaxedSimd: true })).rejects.toThrow(/relaxed SIMD/);
  });
});
