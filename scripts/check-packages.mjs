// publint and Are The Types Wrong on the tarball of every published package.
// Run: pnpm check:packages (needs a built tree: pnpm install builds it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack, published, root } from './packages.mjs';

const bin = (name) => join(root, 'node_modules/.bin', name);
const dest = mkdtempSync(join(tmpdir(), 'gradstream-check-'));
const started = Date.now();
let failed = 0;
try {
  for (const name of published) {
    const tarball = pack(name, dest);
    for (const [tool, args] of [
      ['publint', [tarball, '--strict']],
      // ESM only by design: require() of it works on Node 20.19+ / 22.12+ (the engines range) through
      // the `default` condition, which is what attw's node16-from-CJS row calls "ESM (dynamic import only)".
      ['attw', [tarball, '--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'table-flipped']],
    ]) {
      try {
        execFileSync(bin(tool), args, { stdio: 'inherit' });
      } catch {
        failed++;
        console.error(`check-packages: ${tool} failed for @gradstream/${name}`);
      }
    }
  }
} finally {
  rmSync(dest, { recursive: true, force: true });
}
console.log(
  `check-packages: ${published.length} packages, ${failed} failure(s), ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(failed ? 1 : 0);
