import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getBackend, listBackends, setBackend } from '@gradstream/core';
import { WasmBackend, createWasmBackend, getThreads, setThreads } from '@gradstream/backend-wasm';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../..', import.meta.url));

describe('lifecycle', () => {
  it('registers as "wasm" and starts through setBackend', async () => {
    expect(listBackends()).toContain('wasm');
    await setBackend('wasm');
    const backend = getBackend();
    expect(backend).toBeInstanceOf(WasmBackend);
    expect(backend.name).toBe('wasm');
    (backend as WasmBackend).dispose();
  });

  it('setThreads resizes running backends and applies to new ones', async () => {
    const backend = await createWasmBackend({ threads: 1 });
    expect(backend.threads).toBe(1);
    await setThreads(2);
    expect(getThreads()).toBe(2);
    expect(backend.threads).toBe(2);
    const later = await createWasmBackend();
    expect(later.threads).toBe(2);
    await setThreads(1);
    expect(backend.threads).toBe(1);
    expect(later.threads).toBe(1);
    backend.dispose();
    later.dispose();
  });

  it('a process using two threads exits without dispose()', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gradstream-wasm-'));
    const script = join(dir, 'exit.mts');
    const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    await writeFile(
      script,
      [
        `import { createWasmBackend } from ${JSON.stringify(entry)};`,
        'const be = await createWasmBackend({ threads: 2, minParallelFlops: 0 });',
        "const x = { dataId: be.write(new Float32Array(64 * 64).fill(1), [1, 64, 64], 'float32'), shape: [1, 64, 64], dtype: 'float32' as const };",
        "console.log(be.threads, be.readSync(be.matmul(x, x, false, false).dataId, 'float32')[0]);",
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { cwd: repo, timeout: 30_000 });
    expect(stdout.trim()).toBe('2 64');
  });
});
