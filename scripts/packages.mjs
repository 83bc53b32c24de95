// The packages this repository publishes, and packing them as `pnpm publish` would.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Library packages, in dependency order; the CLI is an application on top of them. */
export const libraries = ['core', 'backend-cpu', 'backend-wasm', 'models', 'datasets'];

/** Every published package. */
export const published = [...libraries, 'cli'];

/**
 * Packs `packages/<name>` into `dest` with pnpm (which rewrites `workspace:`
 * ranges to the versions) and returns the tarball's path.
 */
export function pack(name, dest) {
  const before = new Set(readdirSync(dest));
  execFileSync('pnpm', ['pack', '--pack-destination', dest], {
    cwd: join(root, 'packages', name),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const made = readdirSync(dest).filter((f) => f.endsWith('.tgz') && !before.has(f));
  if (made.length !== 1) throw new Error(`pack ${name}: expected one new tarball in ${dest}, found ${made.join(', ')}`);
  return join(dest, made[0]);
}
