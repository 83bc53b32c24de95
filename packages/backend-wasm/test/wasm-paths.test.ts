import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ArgumentError, BackendError } from '@gradstream/core';
import { createWasmBackend, setWasmPaths, type WasmFileName } from '@gradstream/backend-wasm';
import { wasmUrl } from '../src/wasm-files.js';

// Node has SharedArrayBuffer, so these runs load the shared builds.
const simdShared: WasmFileName = 'kernels-simd-shared.wasm';
const folder = mkdtempSync(join(tmpdir(), 'gradstream-wasm-paths-'));

async function sumOnWasm(): Promise<number[]> {
  const backend = await createWasmBackend({ threads: 1, relaxedSimd: false });
  try {
    const info = (values: number[]) => ({
      dataId: backend.write(new Float32Array(values), [3], 'float32'),
      shape: [3],
      dtype: 'float32' as const,
    });
    const sum = backend.binary('add', info([1, 2, 3]), info([10, 20, 30]));
    return [...(await backend.read(sum.dataId, 'float32'))];
  } finally {
    backend.dispose?.();
  }
}

describe('setWasmPaths', () => {
  afterEach(() => setWasmPaths(undefined));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('reads the kernels from the folder it names, and fails naming that folder when they are not there', async () => {
    setWasmPaths(pathToFileURL(`${folder}/`));
    await expect(createWasmBackend({ threads: 1, relaxedSimd: false })).rejects.toThrow(
      new RegExp(`cannot read ${pathToFileURL(join(folder, simdShared)).href}.*setWasmPaths`),
    );
    copyFileSync(wasmUrl(false, true), join(folder, simdShared));
    expect(await sumOnWasm()).toEqual([11, 22, 33]);
  });

  it('a relative folder resolves against the working directory outside a page', async () => {
    setWasmPaths(`${relative(process.cwd(), folder)}/`);
    copyFileSync(wasmUrl(false, true), join(folder, simdShared));
    expect(await sumOnWasm()).toEqual([11, 22, 33]);
  });

  it('takes the bytes of a build, and uses them rather than the shipped file', async () => {
    setWasmPaths({ [simdShared]: new Uint8Array([0, 97, 115, 109]) });
    await expect(createWasmBackend({ threads: 1, relaxedSimd: false })).rejects.toThrow(BackendError);
    setWasmPaths({ [simdShared]: new Uint8Array(readFileSync(wasmUrl(false, true))) });
    expect(await sumOnWasm()).toEqual([11, 22, 33]);
  });

  it('refuses an empty folder name', () => {
    expect(() => setWasmPaths('')).toThrow(ArgumentError);
  });
});
