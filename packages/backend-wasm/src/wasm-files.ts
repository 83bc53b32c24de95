import { ArgumentError, checkOptions } from '@gradstream/core';

/** The four kernel builds the package ships in `build/`. */
export type WasmFileName =
  | 'kernels-simd.wasm'
  | 'kernels-simd-shared.wasm'
  | 'kernels-relaxed.wasm'
  | 'kernels-relaxed-shared.wasm';

const WASM_FILE_NAMES: readonly WasmFileName[] = [
  'kernels-simd.wasm',
  'kernels-simd-shared.wasm',
  'kernels-relaxed.wasm',
  'kernels-relaxed-shared.wasm',
];

/** A kernel build given by URL (absolute, or relative to the page) or by its bytes. */
export type WasmFileSource = string | URL | Uint8Array;

/**
 * Where {@link setWasmPaths} sends the kernel builds: a folder holding all
 * four files, or one source per file.
 */
export type WasmPaths = string | URL | Readonly<Partial<Record<WasmFileName, WasmFileSource>>>;

let chosen: WasmPaths | undefined;

/**
 * Tells the backend where its `.wasm` files are, for bundlers that do not
 * copy the files a `new URL('…', import.meta.url)` names (esbuild; Vite and
 * webpack 5 copy them without this). Call it before `setBackend('wasm')`.
 * Files the map leaves out are looked up next to the package as usual.
 *
 * @example
 * ```ts
 * setWasmPaths('/assets/gradstream/');              // the four files copied there
 * setWasmPaths({ 'kernels-simd.wasm': bytes });      // esbuild --loader:.wasm=binary
 * await setBackend('wasm');
 * ```
 */
export function setWasmPaths(paths: WasmPaths | undefined): void {
  if (typeof paths === 'string' && paths.length === 0) {
    throw new ArgumentError('setWasmPaths', 'the folder is an empty string; pass a URL or path ending in /');
  }
  // A misspelled file name would otherwise leave that build looked up in the default place.
  if (typeof paths === 'object' && !(paths instanceof URL)) checkOptions('setWasmPaths', paths, WASM_FILE_NAMES);
  chosen = paths;
}

/** File name of a kernel build. */
export function wasmFileName(relaxed: boolean, shared: boolean): WasmFileName {
  return `kernels-${relaxed ? 'relaxed' : 'simd'}${shared ? '-shared' : ''}.wasm`;
}

/**
 * Location of a kernel build as the package ships it. This file sits
 * directly in src/ (tests run it from there) and is bundled into dist/ (the
 * package), so `../build` points at packages/backend-wasm/build from both.
 * One literal URL per variant lets bundlers that rewrite
 * `new URL(…, import.meta.url)` (Vite, webpack 5) find and copy every file.
 */
export function wasmUrl(relaxed: boolean, shared: boolean): URL {
  if (relaxed) {
    return shared
      ? new URL('../build/kernels-relaxed-shared.wasm', import.meta.url)
      : new URL('../build/kernels-relaxed.wasm', import.meta.url);
  }
  return shared
    ? new URL('../build/kernels-simd-shared.wasm', import.meta.url)
    : new URL('../build/kernels-simd.wasm', import.meta.url);
}

/** Resolves a relative URL string against the page in a browser and the working directory elsewhere. */
function absolute(where: string | URL): URL {
  if (where instanceof URL) return where;
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  const cwd =
    typeof process !== 'undefined' && typeof process.cwd === 'function' ? `file://${process.cwd()}/` : undefined;
  const base = page ?? cwd;
  try {
    return base === undefined ? new URL(where) : new URL(where, base);
  } catch {
    throw new ArgumentError('setWasmPaths', `cannot make a URL of '${where}'`);
  }
}

/** Where to read a kernel build from: the {@link setWasmPaths} choice, else the shipped file. */
export function wasmSource(relaxed: boolean, shared: boolean): URL | Uint8Array {
  const name = wasmFileName(relaxed, shared);
  if (chosen === undefined) return wasmUrl(relaxed, shared);
  if (typeof chosen === 'string' || chosen instanceof URL) {
    const folder = absolute(chosen);
    return new URL(name, folder.href.endsWith('/') ? folder : `${folder.href}/`);
  }
  const one = chosen[name];
  if (one === undefined) return wasmUrl(relaxed, shared);
  return one instanceof Uint8Array ? one : absolute(one);
}
