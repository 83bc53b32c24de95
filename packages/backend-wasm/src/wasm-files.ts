/**
 * Location of a kernel build. This file sits directly in src/ (tests run it
 * from there) and is bundled into dist/ (the package), so `../build` points
 * at packages/backend-wasm/build from both. One literal URL per variant lets
 * bundlers that rewrite `new URL(…, import.meta.url)` find every file.
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
