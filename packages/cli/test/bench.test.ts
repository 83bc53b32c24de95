import { mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { benchCommand, findRepoRoot } from '../src/commands/bench.js';
import { capture } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ctx = () => ({ stdout: capture(), stderr: capture(), signal: new AbortController().signal });

describe('bench', () => {
  it('finds the checkout it runs from', () => {
    expect(findRepoRoot()).toBe(resolve(fileURLToPath(new URL('../../..', import.meta.url))));
  });

  it('without bench/run.ts prints how to get the benchmarks and returns 1', async () => {
    const c = ctx();
    expect(await benchCommand([], c, dir)).toBe(1);
    expect(c.stderr.text()).toContain('pnpm bench');
  });

  it("runs bench/run.ts with the checkout's tsx, forwarding arguments and the exit code", async () => {
    mkdirSync(join(dir, 'bench'), { recursive: true });
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(dir, 'bench', 'run.ts'), '');
    // A stand-in for tsx: exits with the number of arguments it got after the script.
    const fake = join(dir, 'node_modules', '.bin', 'tsx');
    writeFileSync(fake, '#!/bin/sh\nshift\nexit $#\n');
    chmodSync(fake, 0o755);
    expect(await benchCommand(['a', 'b', 'c'], ctx(), dir)).toBe(3);
  });
});
