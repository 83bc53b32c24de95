import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Tensor, tensor } from '@gradstream/core';
import { decodeSafetensors } from '@gradstream/models';

/** Debian's interpreter, where python3-torch installs (the first python3 on PATH may be another). */
export const PYTHON = '/usr/bin/python3';
export const SCRIPT = fileURLToPath(new URL('./torch/torchvision_interop.py', import.meta.url));

function hasTorch(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure `/usr/bin/python3` imports torch and torchvision, installing
 * Debian's python3-torch and python3-torchvision with apt-get when it does
 * not; throws (the test fails, never skips) when that is impossible.
 */
export function ensureTorch(): void {
  if (hasTorch()) return;
  try {
    execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-torch', 'python3-torchvision'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (e) {
    throw new Error(`PyTorch is missing from ${PYTHON} and apt-get could not install it: ${String(e)}`);
  }
  if (!hasTorch()) throw new Error(`${PYTHON} still cannot import torch and torchvision after apt-get install`);
}

/** Runs the PyTorch side in `mode` on `dir` and returns what it printed. */
export function runTorch(mode: 'export' | 'import', dir: string): string {
  return execFileSync(PYTHON, [SCRIPT, mode, dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
}

/** One tensor of a safetensors file, as a float32 tensor. */
export function readTensor(path: string, name: string): Tensor {
  const raw = decodeSafetensors(new Uint8Array(readFileSync(path)), path).tensors.get(name);
  if (!raw) throw new Error(`${path} has no tensor '${name}'`);
  return tensor(Float32Array.from(raw.data), raw.shape);
}
