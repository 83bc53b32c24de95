/**
 * The backend check page (smoke.html): conv2d forward and its gradients on
 * wasm and on cpu for the same inputs, reported as JSON in #result with the
 * thread count and whether the page is cross-origin isolated. The e2e test
 * loads it with and without COOP/COEP.
 */
import { conv2d, getBackend, grads, mul, setBackend, sum, tensor, tidy } from '@gradstream/core';
import '@gradstream/backend-cpu';
import { WasmBackend } from '@gradstream/backend-wasm';

/** Deterministic values in [-1, 1) that leave the framework's generator alone. */
function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

// About 2.4 Mflop per conv: past the wasm backend's threshold for splitting a kernel across threads.
const X = [4, 8, 16, 16];
const W = [16, 8, 3, 3];
const Y = [4, 16, 16, 16];
const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
const inputs = { x: values(size(X), 1), w: values(size(W), 2), r: values(size(Y), 3) };

function run(): Record<'y' | 'dx' | 'dw', Float32Array> {
  return tidy(() => {
    const [x, w, r] = [tensor(inputs.x, X), tensor(inputs.w, W), tensor(inputs.r, Y)];
    const y = conv2d(x, w, { padding: 1 });
    // Gradients of sum(conv2d(x, w) · r) with respect to x and w.
    const [dx, dw] = grads((a, b) => sum(mul(conv2d(a, b, { padding: 1 }), r)))([x, w]);
    return { y: y.dataSync().slice(), dx: dx!.dataSync().slice(), dw: dw!.dataSync().slice() } as Record<
      'y' | 'dx' | 'dw',
      Float32Array
    >;
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

async function check(): Promise<Record<string, unknown>> {
  await setBackend('wasm');
  const backend = getBackend();
  const onWasm = run();
  await setBackend('cpu');
  const onCpu = run();
  const largest = Math.max(
    ...(['y', 'dx', 'dw'] as const).map((k) => onCpu[k].reduce((m, v) => Math.max(m, Math.abs(v)), 0)),
  );
  return {
    threads: backend instanceof WasmBackend ? backend.threads : 0,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    maxAbsDiff: Math.max(...(['y', 'dx', 'dw'] as const).map((k) => maxAbsDiff(onWasm[k], onCpu[k]))),
    largestValue: largest,
  };
}

const out = document.getElementById('result')!;
check().then(
  (r) => {
    out.textContent = JSON.stringify(r);
  },
  (e: unknown) => {
    out.textContent = JSON.stringify({ error: String((e as Error).stack ?? e) });
  },
);
