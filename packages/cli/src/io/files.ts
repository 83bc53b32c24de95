import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../command-line/usage-error.js';

/**
 * Writes `data` to a temporary file next to `path` and renames it over
 * `path`, so an interrupted run never leaves a half-written file behind.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

/**
 * Creates `dir` (with parents) and writes and removes a probe file in it, so
 * an unwritable output directory is reported before any training time is spent.
 * @throws UsageError when either step fails.
 */
export function ensureWritableDir(dir: string): void {
  const probe = join(dir, `.gradstream-probe-${randomBytes(4).toString('hex')}`);
  try {
    makeDirs(resolve(dir));
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    throw new UsageError(
      `output directory '${dir}' is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/**
 * mkdir -p, one level at a time. Node's mkdirSync(…, { recursive: true })
 * spins forever where mkdir fails with ENOENT under an existing parent
 * (anywhere in /proc), which would hang `train --out /proc/x`.
 */
function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
}
