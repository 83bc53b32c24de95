import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Every fs call the writer makes, in order, so the test can check what is fsynced before and after the rename.
const calls: string[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const fdPath = new Map<number, string>();
  return {
    ...real,
    openSync: (path: string, flags: string) => {
      const fd = real.openSync(path, flags);
      fdPath.set(fd, path);
      return fd;
    },
    fsyncSync: (fd: number) => {
      calls.push(`fsync ${fdPath.get(fd)}`);
      real.fsyncSync(fd);
    },
    renameSync: (from: string, to: string) => {
      calls.push(`rename ${from} -> ${to}`);
      real.renameSync(from, to);
    },
  };
});

const { writeFileAtomic } = await import('../src/weights/atomic-file.js');

const dir = mkdtempSync(join(tmpdir(), 'gradstream-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The id of a process that has exited: a writer killed mid-write leaves its temporary file under such an id. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('writeFileAtomic', () => {
  it('fsyncs the temporary file before renaming it over the target, then fsyncs the directory', () => {
    const path = join(dir, 'w.safetensors');
    calls.length = 0;
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect(calls).toHaveLength(3);
    const temp = /^fsync (.*\.tmp)$/.exec(calls[0]!)?.[1];
    expect(temp, calls[0]).toMatch(new RegExp(`^${path}\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    expect(calls.slice(1)).toEqual([`rename ${temp} -> ${path}`, `fsync ${dir}`]);
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
  });

  it('removes the temporary files of writers that died (kill -9) and keeps those of running ones', () => {
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'old');
    const dead = `model.safetensors.${deadPid()}.0123456789ab.tmp`;
    // The naming of versions before the pid was recorded.
    const legacy = 'model.safetensors.a1b2c3d4e5f6.tmp';
    // PID 1 always runs: a write in progress in another process.
    const live = 'model.safetensors.1.00000000abcd.tmp';
    const unrelated = ['model.safetensors.bak', 'other.safetensors.123.0123456789ab.tmp', 'model.safetensors.x.tmp'];
    for (const f of [dead, legacy, live, ...unrelated]) writeFileSync(join(dir, f), 'partial');
    writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    const left = readdirSync(dir);
    expect(left).not.toContain(dead);
    expect(left).not.toContain(legacy);
    expect(left).toContain(live);
    for (const f of unrelated) expect(left).toContain(f);
  });

  it('leaves the previous file and no temporary file when the write fails', () => {
    const path = join(dir, 'blocked');
    fs.mkdirSync(path);
    expect(() => writeFileAtomic(path, 'x')).toThrow(/EISDIR|directory/);
    expect(readdirSync(dir).filter((f) => f.startsWith('blocked.'))).toEqual([]);
  });
});
