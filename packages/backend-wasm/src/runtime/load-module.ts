import { BackendError } from '@gradstream/core';
import { importNodeBuiltin, isNode } from './environment.js';
import { wasmSource } from '../wasm-files.js';

/** Which build of the kernels to load. */
export interface ModuleChoice {
  /** Shared memory (needed for worker threads). */
  readonly shared: boolean;
  /** Relaxed SIMD (fused multiply-add); `auto` uses it when the runtime validates it. */
  readonly relaxedSimd: boolean | 'auto';
}

/** A compiled kernel module and the features it was built with. */
export interface LoadedModule {
  readonly module: WebAssembly.Module;
  readonly shared: boolean;
  readonly relaxedSimd: boolean;
}

async function readBytes(source: URL | Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  if (source instanceof Uint8Array) return new Uint8Array(source);
  const url = source;
  try {
    if (isNode && url.protocol === 'file:') {
      const fs = await importNodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
      return new Uint8Array(await fs.readFile(url));
    }
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    throw new BackendError(
      'wasm',
      `cannot read ${url.href} (a bundler that does not copy it needs setWasmPaths, see the package README; in a checkout, run the package build): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

let relaxedFlagSet = false;

/** Node 20's V8 ships relaxed SIMD behind a flag; it must be set before the first compile that uses it. */
async function enableRelaxedSimdInNode(): Promise<void> {
  if (!isNode || relaxedFlagSet) return;
  relaxedFlagSet = true;
  try {
    const v8 = await importNodeBuiltin<typeof import('node:v8')>('v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // Without the flag validation simply fails and the baseline build is used.
  }
}

/** Reads, validates and compiles the best kernel build for this runtime. */
export async function loadModule(choice: ModuleChoice): Promise<LoadedModule> {
  if (choice.relaxedSimd !== false) {
    await enableRelaxedSimdInNode();
    const bytes = await readBytes(wasmSource(true, choice.shared));
    if (WebAssembly.validate(bytes)) {
      return { module: await WebAssembly.compile(bytes), shared: choice.shared, relaxedSimd: true };
    }
    if (choice.relaxedSimd === true)
      throw new BackendError('wasm', 'relaxed SIMD was requested but this runtime does not support it');
  }
  const bytes = await readBytes(wasmSource(false, choice.shared));
  if (!WebAssembly.validate(bytes)) throw new BackendError('wasm', 'this runtime does not support WebAssembly SIMD');
  return { module: await WebAssembly.compile(bytes), shared: choice.shared, relaxedSimd: false };
}
