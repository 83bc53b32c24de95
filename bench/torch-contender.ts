/**
 * PyTorch as a bench contender: one long-lived /usr/bin/python3 running
 * bench/torch/contender.py, spoken to in line-delimited JSON. It times its own
 * repetitions (time.perf_counter, time.process_time), so the pipe's latency
 * is not in the figures, and the harness interleaves its rounds with the
 * others'. When that Python cannot import torch the columns are left out.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Runner } from './harness.js';

/**
 * The interpreter Debian's python3-torch is installed for (the `python3` on PATH may lack it);
 * BENCH_TORCH_PYTHON names another (a virtualenv with torch).
 */
export const TORCH_PYTHON = process.env.BENCH_TORCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./torch/contender.py', import.meta.url));

/** The work of one case, as bench/torch/contender.py's `build` reads it. */
export type TorchCase =
  | { readonly kind: 'matmul'; readonly n: number }
  | {
      readonly kind: 'conv';
      readonly n: number;
      readonly c: number;
      readonly hw: number;
      readonly o: number;
      readonly k: number;
      readonly pad: number;
      readonly op: 'forward' | 'backprop-input' | 'backprop-filter';
    }
  | {
      readonly kind: 'train';
      readonly net: 'lenet5' | 'resnet18-cifar';
      readonly input: readonly number[];
      readonly classes: number;
      readonly lr: number;
    }
  | {
      readonly kind: 'forward';
      readonly variant: 'imagenet';
      readonly input: readonly number[];
      readonly classes: number;
    }
  | { readonly kind: 'randn'; readonly n: number }
  | { readonly kind: 'rand'; readonly n: number; readonly low: number; readonly high: number };

type Reply = Record<string, unknown>;

class TorchProcess {
  private readonly waiting: ((r: Reply) => void)[] = [];
  private exited: string | undefined;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        reply = { error: `unreadable reply: ${line.slice(0, 120)}` };
      }
      this.waiting.shift()?.(reply);
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      this.exited = `python exited (${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`;
      for (const w of this.waiting.splice(0)) w({ error: this.exited });
    });
    child.on('error', (e) => {
      this.exited = e.message;
      for (const w of this.waiting.splice(0)) w({ error: e.message });
    });
  }

  request(message: object): Promise<Reply> {
    if (this.exited) return Promise.resolve({ error: this.exited });
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  stop(): void {
    this.child.kill();
  }
}

let started: Promise<{ process?: TorchProcess; description: string }> | undefined;

function start(): Promise<{ process?: TorchProcess; description: string }> {
  started ??= (async () => {
    const child = spawn(TORCH_PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const p = new TorchProcess(child);
    const info = await p.request({ op: 'info' });
    if (typeof info.torch !== 'string') {
      p.stop();
      return {
        description: `torch: not measured — ${TORCH_PYTHON} cannot run bench/torch/contender.py (${String(info.error ?? 'no reply')}); the torch columns are left out`,
      };
    }
    // The bench exits with process.exit; the child must not outlive it.
    process.once('exit', () => p.stop());
    return {
      process: p,
      description: `torch ${info.torch} (torchvision ${String(info.torchvision)}, oneDNN ${String(info.mkldnn)}, BLAS ${String(info.blas)}: ${String(info.blas_library)}, CPU capability ${String(info.cpu_capability)}) via ${TORCH_PYTHON}; threads set per column with torch.set_num_threads`,
    };
  })();
  return started;
}

/** Whether PyTorch can be measured here, and the line saying so. */
export async function torchAvailability(): Promise<{ available: boolean; description: string }> {
  const s = await start();
  return { available: s.process !== undefined, description: s.description };
}

let nextId = 0;

/** A runner timing `work` in PyTorch at `threads` threads; undefined when PyTorch is unavailable or lacks the case. */
export async function torchRunner(threads: number, work: TorchCase): Promise<Runner | undefined> {
  const { process: p } = await start();
  if (!p) return undefined;
  const id = `case-${nextId++}`;
  const reply = await p.request({ op: 'setup', id, threads, case: work });
  if (reply.error !== undefined) throw new Error(`torch: ${String(reply.error)}`);
  if (reply.na !== undefined) return undefined;
  return {
    async timed(reps) {
      const r = await p.request({ op: 'run', id, reps });
      if (typeof r.ms !== 'number' || typeof r.cpu_ms !== 'number')
        throw new Error(`torch: ${String(r.error ?? 'bad reply')}`);
      return { ms: r.ms, cpuMs: r.cpu_ms };
    },
    dispose() {
      void p.request({ op: 'dispose', id });
    },
  };
}
