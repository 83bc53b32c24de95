/**
 * A single run with a wall-time limit. A synchronous kernel cannot be
 * interrupted in its own thread (tfjs-cpu's backprop-filter on the ResNet
 * layer runs for minutes), so the run happens in a child process that is
 * killed when the cap expires.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from './harness.js';
import type { ContenderId } from './contenders.js';

export type CappedTrial =
  | { readonly kind: 'done'; readonly ms: number }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'error'; readonly message: string };

const CHILD = fileURLToPath(new URL('./capped-child.ts', import.meta.url));

/** Time to load the frameworks and build the case in the child (a loaded machine is slow), granted on top of the cap. */
const STARTUP_MS = 120_000;

export function runCapped(
  bench: BenchCase,
  contender: ContenderId,
  capMs: number,
  quick: boolean,
): Promise<CappedTrial> {
  return new Promise((resolve) => {
    // fork passes process.execArgv, so the child runs under tsx like this process.
    const child = fork(CHILD, [bench.suite, bench.id, contender, quick ? '--quick' : ''], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let settled = false;
    const finish = (t: CappedTrial) => {
      if (settled) return;
      settled = true;
      clearTimeout(startupTimer);
      clearTimeout(runTimer);
      child.kill('SIGKILL');
      resolve(t);
    };
    let runTimer: NodeJS.Timeout | undefined;
    const startupTimer = setTimeout(
      () => finish({ kind: 'error', message: `child did not start within ${STARTUP_MS / 1000} s` }),
      STARTUP_MS,
    );
    child.on('message', (m: { started?: true; ms?: number; error?: string }) => {
      if (m.started) {
        clearTimeout(startupTimer);
        runTimer = setTimeout(() => finish({ kind: 'timeout' }), capMs);
      } else if (m.error !== undefined) finish({ kind: 'error', message: m.error });
      else if (m.ms !== undefined) finish({ kind: 'done', ms: m.ms });
    });
    child.on('exit', (code) =>
      finish({ kind: 'error', message: `child exited (${code}) ${stderr.split('\n', 1)[0]!.slice(0, 120)}` }),
    );
  });
}
