/** `pnpm bench mnist`: runs bench/mnist-load.ts in its own process (its peak-RSS figures need a fresh one). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { log } from '../report.js';

const SCRIPT = fileURLToPath(new URL('../mnist-load.ts', import.meta.url));

export function runMnist(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      const parts = (pending + d.toString()).split('\n');
      pending = parts.pop()!;
      parts.forEach((line) => {
        log(line);
      });
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (pending) log(pending);
      if (code === 0) resolve();
      else reject(new Error(`bench/mnist-load.ts exited with ${code}`));
    });
  });
}
