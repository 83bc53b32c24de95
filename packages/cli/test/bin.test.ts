import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The built bin itself, as `pnpm gradstream` runs it: CI builds it at install, so its absence is a failure.
const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gradstream-bin-'));
afterAll(() => {
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
});

function gradstream(
  argv: readonly string[],
  options: SpawnSyncOptions = {},
): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run pnpm install (or pnpm build), which builds the CLI`);
  const r = spawnSync(process.execPath, [BIN, ...argv], { encoding: 'utf8', timeout: 60_000, ...options });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('the built gradstream bin', () => {
  it('summary --model lenet5 prints the table and exits 0', () => {
    const r = gradstream(['summary', '--model', 'lenet5']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('lenet5 for mnist (1×28×28, 10 classes)');
    expect(r.stdout).toContain('61,706');
  });

  it('a tiny train run exits 0, reports test accuracy and writes every file', () => {
    const out = join(dir, 'run');
    const r = gradstream([
      'train',
      '--dataset',
      'xo',
      '--limit',
      '128',
      '--epochs',
      '1',
      '--backend',
      'cpu',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^test accuracy \d+\.\d\d% /m);
    for (const f of ['model.safetensors', 'metrics.csv', 'filters.png', 'feature-maps.png', 'curves.png'])
      expect(existsSync(join(out, f)), f).toBe(true);
  });

  it('an output directory without write permission: exit 2, one line (EACCES)', () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    // Root ignores mode bits, so as root the bin runs as nobody (65534), for whom they hold.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chmodSync(dir, 0o755);
    const out = join(locked, 'run');
    const r = gradstream(
      ['train', '--dataset', 'xo', '--limit', '32', '--epochs', '1', '--backend', 'cpu', '--out', out],
      asRoot ? { uid: 65534, gid: 65534 } : {},
    );
    expect([r.status, r.stdout, r.stderr]).toEqual([
      2,
      '',
      `gradstream: output directory '${out}' is not writable (EACCES)\n`,
    ]);
  });
});
