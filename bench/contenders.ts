/**
 * The columns of every table (five in JavaScript, and PyTorch at 1 and 2
 * threads when /usr/bin/python3 has it) and how to make each one the active
 * backend. Each gradstream thread count is its own backend instance, so
 * switching between them in an interleaved loop never restarts workers
 * (a restarted worker would run its kernels on V8's baseline tier again).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as gs from '@gradstream/core';
import '@gradstream/backend-cpu';
import { createWasmBackend, type WasmBackend } from '@gradstream/backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// The Node bundle of tfjs-core registers no gradients; tfjs-layers does.
import '@tensorflow/tfjs-layers';
import { torchAvailability } from './torch-contender.js';

export type ContenderId = 'gs-wasm-1t' | 'gs-wasm-2t' | 'gs-cpu' | 'tfjs-wasm' | 'tfjs-cpu' | 'torch-1t' | 'torch-2t';

export interface Contender {
  readonly id: ContenderId;
  readonly label: string;
  readonly framework: 'gradstream' | 'tfjs' | 'torch';
}

export const CONTENDERS: readonly Contender[] = [
  { id: 'gs-wasm-1t', label: 'gradstream wasm 1t', framework: 'gradstream' },
  { id: 'gs-wasm-2t', label: 'gradstream wasm 2t', framework: 'gradstream' },
  { id: 'gs-cpu', label: 'gradstream cpu', framework: 'gradstream' },
  { id: 'tfjs-wasm', label: 'tfjs-wasm', framework: 'tfjs' },
  { id: 'tfjs-cpu', label: 'tfjs-cpu', framework: 'tfjs' },
  { id: 'torch-1t', label: 'torch 1t', framework: 'torch' },
  { id: 'torch-2t', label: 'torch 2t', framework: 'torch' },
];

/** PyTorch's thread count of each torch column. */
export const TORCH_THREADS: Readonly<Record<'torch-1t' | 'torch-2t', number>> = { 'torch-1t': 1, 'torch-2t': 2 };

export const isTorch = (id: ContenderId): id is 'torch-1t' | 'torch-2t' => id === 'torch-1t' || id === 'torch-2t';

/** The contenders this machine can run: the torch columns only when PyTorch imports. */
export async function availableContenders(): Promise<readonly Contender[]> {
  const { available } = await torchAvailability();
  return available ? CONTENDERS : CONTENDERS.filter((c) => c.framework !== 'torch');
}

const GS_BACKEND: Record<'gs-wasm-1t' | 'gs-wasm-2t' | 'gs-cpu', string> = {
  'gs-wasm-1t': 'bench-wasm-1t',
  'gs-wasm-2t': 'bench-wasm-2t',
  'gs-cpu': 'cpu',
};

gs.registerBackend('bench-wasm-1t', () => createWasmBackend({ threads: 1 }));
gs.registerBackend('bench-wasm-2t', () => createWasmBackend({ threads: 2 }));

// Loaded from the installed package: nothing can be downloaded here.
const tfjsWasmDir = `${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`;
setWasmPaths(tfjsWasmDir);
// Production mode skips tfjs's debug checks, as a user who cares about speed would.
tf.enableProdMode();

export function contender(id: ContenderId): Contender {
  return CONTENDERS.find((c) => c.id === id)!;
}

/** Makes `id` the active backend of its framework (PyTorch's runs in its own process: nothing to switch). */
export async function activate(id: ContenderId): Promise<void> {
  if (isTorch(id)) return;
  if (id === 'tfjs-wasm' || id === 'tfjs-cpu') {
    if (tf.getBackend() !== id.slice(5)) await tf.setBackend(id.slice(5));
  } else {
    await gs.setBackend(GS_BACKEND[id]);
  }
}

/** One line per runtime saying which build and thread count actually run. */
export async function describeRuntimes(): Promise<string[]> {
  const lines: string[] = [];
  for (const id of ['gs-wasm-1t', 'gs-wasm-2t'] as const) {
    const b = (await gs.initBackend(GS_BACKEND[id])) as WasmBackend;
    lines.push(
      `${contender(id).label}: ${b.threads} thread(s) ready, ${b.relaxedSimd ? 'relaxed SIMD' : 'SIMD'} build`,
    );
  }
  await activate('tfjs-wasm');
  const env = tf.env();
  // As shipped, tfjs-backend-wasm's Node build has no worker threads, so its column is one thread whatever the machine.
  lines.push(
    `tfjs-wasm: single-threaded in Node as shipped (multithread ${env.getBool('WASM_HAS_MULTITHREAD_SUPPORT')}), SIMD ${env.getBool('WASM_HAS_SIMD_SUPPORT')} (binaries from ${tfjsWasmDir})`,
  );
  lines.push(`node ${process.version}, tfjs-core ${tf.version_core}`);
  lines.push((await torchAvailability()).description);
  return lines;
}
