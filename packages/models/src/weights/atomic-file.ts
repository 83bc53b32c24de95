import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` so that a crash, a `kill -9` or a power loss leaves
 * the old file or the new one, never a torn or empty one: the bytes go to a
 * temporary file beside `path` (`<name>.<pid>.<12 hex>.tmp`), which is
 * fsynced, renamed over `path`, and then the directory is fsynced so that the
 * rename itself reaches the disk. Temporary files of that naming whose writer
 * is no longer running (killed mid-write) are removed first, so they do not
 * pile up.
 *
 * @example
 * ```ts
 * writeFileAtomic('runs/a/metrics.csv', 'epoch,loss\n1,0.3\n');
 * ```
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  removeStaleTemporaries(path);
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(temp, 'wx');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
  syncDirectory(dirname(path));
}

// `<name>.<pid>.<hex>.tmp`, and `<name>.<hex>.tmp` as versions before the pid was part of the name wrote it.
const TEMPORARY = /^\.(?:(\d+)\.)?[0-9a-f]{12}\.tmp$/;

function removeStaleTemporaries(path: string): void {
  const dir = dirname(path);
  const name = basename(path);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    // An unreadable or missing directory fails the write itself, with a better message.
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(name)) continue;
    const m = TEMPORARY.exec(entry.slice(name.length));
    if (!m) continue;
    const pid = m[1] === undefined ? undefined : Number(m[1]);
    if (pid !== undefined && isRunning(pid)) continue;
    rmSync(join(dir, entry), { force: true });
  }
}

/** Whether a process with this id exists on this machine (ours included: a write in progress on another thread). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function syncDirectory(dir: string): void {
  // Windows cannot open a directory as a file; its renames need no directory sync.
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch (e) {
    // Some file systems (and FUSE mounts) do not implement fsync on directories.
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL' && (e as NodeJS.ErrnoException).code !== 'ENOTSUP') throw e;
  } finally {
    closeSync(fd);
  }
}
