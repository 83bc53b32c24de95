import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../command-line/usage-error.js';

/** An output directory that is known to be writable, and what making it created. */
export interface OutputDir {
  readonly path: string;
  /** The directories that did not exist before, outermost first. */
  readonly created: readonly string[];
  /** Removes the created directories that are still empty, innermost first: a run that failed leaves no trace. */
  removeIfEmpty(): void;
}

/**
 * Creates `dir` (with parents) and writes and removes a probe file in it, so
 * an unwritable output directory is reported before any training time is
 * spent. When either step fails, the directories it created are removed again.
 * @throws UsageError when either step fails.
 */
export function prepareOutputDir(dir: string): OutputDir {
  const created: string[] = [];
  const removeIfEmpty = (): void => {
    for (const d of [...created].reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // Not empty (the run wrote something, or someone else did): keep it and everything above it.
        return;
      }
    }
  };
  const probe = join(dir, `.gradstream-probe-${randomBytes(4).toString('hex')}`);
  try {
    makeDirs(resolve(dir), created);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    removeIfEmpty();
    throw new UsageError(
      `output directory '${dir}' is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return { path: dir, created, removeIfEmpty };
}

/**
 * mkdir -p, one level at a time, recording each directory it creates. Node's
 * mkdirSync(…, { recursive: true }) spins forever where mkdir fails with
 * ENOENT under an existing parent (anywhere in /proc), which would hang
 * `train --out /proc/x`.
 */
function makeDirs(dir: string, created: string[]): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent, created);
  mkdirSync(dir);
  created.push(dir);
}
