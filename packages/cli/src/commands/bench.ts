import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandContext } from '../program/context.js';

/** The checkout this CLI runs from (the folder with pnpm-workspace.yaml), if any. */
export function findRepoRoot(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * `gradstream bench`: runs the repository's bench/run.ts with its tsx,
 * forwarding `args` and the terminal, and resolves to its exit code. Without
 * a checkout around this installation it prints how to get one and resolves to 1.
 */
export function benchCommand(args: readonly string[], ctx: CommandContext, root = findRepoRoot()): Promise<number> {
  const script = root && join(root, 'bench', 'run.ts');
  const tsx = root && join(root, 'node_modules', '.bin', 'tsx');
  if (!root || !existsSync(script!) || !existsSync(tsx!)) {
    ctx.stderr.write(
      'gradstream: no bench/run.ts here; the benchmarks live in the gradstream repository: clone it, run `pnpm install`, then `pnpm bench`\n',
    );
    return Promise.resolve(1);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(tsx!, [script!, ...args], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    // A child killed by Ctrl-C reports a signal instead of a code; 130 is the shell's convention for SIGINT.
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}
