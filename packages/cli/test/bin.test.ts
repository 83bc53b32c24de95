import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The built bin itself, as `pnpm gradstream` runs it: CI builds it at install, so its absence is a failure.
const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gradstream-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

  it('an unusable output directory: exit 2 and one line on stderr, nothing on stdout', () => {
    // A file where a directory must be: the OS refuses it for every user, root included (EACCES is tested in
    // flags.test.ts, in process, so that it holds wherever the checkout lives).
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const out = join(file, 'run');
    const r = gradstream([
      'train',
      '--dataset',
      'xo',
      '--limit',
      '32',
      '--epochs',
      '1',
      '--backend',
      'cpu',
      '--out',
      out,
    ]);
    expect([r.status, r.stdout, r.stderr]).toEqual([
      2,
      '',
      `gradstream: output directory '${out}' is not writable (ENOTDIR)\n`,
    ]);
  });

  it('--version prints the version of its package.json', () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(gradstream(['--version'])).toEqual({ status: 0, stdout: `gradstream ${version}\n`, stderr: '' });
  });
});
