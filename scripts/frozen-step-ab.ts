// Does freezing save work? LeNet-5 training steps (batch 64, MNIST-shaped
// random inputs, Adam) with every parameter trainable (A) against the same
// model with its two convolutions frozen (B), timed as interleaved pairs in
// one process (ABBA order, so drift and other load fall on both), and the
// compute kernels each step calls counted.
//   pnpm tsx --tsconfig tsconfig.json scripts/frozen-step-ab.ts [--pairs 60] [--backend wasm|cpu] [--threads 1]
import { parseArgs } from 'node:util';
import { setThreads } from '@gradstream/backend-wasm';
import '@gradstream/backend-cpu';
import { type Tensor, getBackend, randn, setBackend, setSeed, tensor, tidy, variableGrads } from '@gradstream/core';
import { crossEntropy } from '@gradstream/core/nn';
import { adam } from '@gradstream/core/optim';
import { lenet5 } from '@gradstream/models';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '60' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '1' },
  },
});
if (values.backend === 'wasm') await setThreads(Number(values.threads));
await setBackend(values.backend);

setSeed(0);
const x = randn([64, 1, 28, 28]);
const y = tensor(
  Int32Array.from({ length: 64 }, (_, i) => i % 10),
  [64],
  'int32',
);

function makeRun(frozen: boolean): () => void {
  const model = lenet5({ seed: 0 });
  if (frozen) model.features.freeze();
  const optimizer = adam(model.trainableParameters(), { lr: 1e-3 });
  return () =>
    tidy(() => {
      const { value, grads } = variableGrads(() => crossEntropy(model.call(x), y), optimizer.params);
      value.item();
      optimizer.step(grads);
    });
}

const KERNELS = [
  'unary',
  'binary',
  'where',
  'cast',
  'reduce',
  'argReduce',
  'matmul',
  'transpose',
  'slice',
  'pad',
  'concat',
  'gather',
  'scatterAdd',
  'conv',
  'convBackpropInput',
  'convBackpropFilter',
  'unfold',
  'fold',
  'maxPool',
  'avgPool',
  'avgPoolBackward',
] as const;

/** Compute-kernel calls of one step, by kernel name (the backend's methods wrapped for the call). */
function countKernels(step: () => void): Map<string, number> {
  const backend = getBackend() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const counts = new Map<string, number>();
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  for (const k of KERNELS) {
    const f = backend[k];
    if (typeof f !== 'function') continue;
    originals.set(k, f);
    backend[k] = (...a: unknown[]) => {
      counts.set(k, (counts.get(k) ?? 0) + 1);
      return f.apply(backend, a);
    };
  }
  try {
    step();
  } finally {
    for (const k of originals.keys()) delete backend[k];
  }
  return counts;
}

const a = makeRun(false);
const b = makeRun(true);
for (let i = 0; i < 5; i++) {
  a();
  b();
}
const ca = countKernels(a);
const cb = countKernels(b);
const total = (c: Map<string, number>): number => [...c.values()].reduce((s, v) => s + v, 0);
console.log(`kernel calls per step: unfrozen ${total(ca)}, convolutions frozen ${total(cb)}`);
for (const k of KERNELS)
  if (ca.has(k) || cb.has(k))
    console.log(`  ${k.padEnd(20)} ${String(ca.get(k) ?? 0).padStart(4)} ${String(cb.get(k) ?? 0).padStart(4)}`);

const time = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
const ta: number[] = [];
const tb: number[] = [];
const ratios: number[] = [];
for (let i = 0; i < Number(values.pairs); i++) {
  // ABBA: each order half the time.
  const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
  const t1 = time(first);
  const t2 = time(second);
  const [da, db] = i % 2 === 0 ? [t1, t2] : [t2, t1];
  ta.push(da);
  tb.push(db);
  ratios.push(db / da);
}
const median = (v: readonly number[]): number => {
  const s = [...v].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const faster = ratios.filter((r) => r < 1).length;
console.log(
  `${values.backend} (${values.threads} thread${values.threads === '1' ? '' : 's'}), ${ratios.length} interleaved pairs: ` +
    `unfrozen median ${median(ta).toFixed(2)} ms, frozen convolutions median ${median(tb).toFixed(2)} ms, ` +
    `median per-pair ratio ${median(ratios).toFixed(3)}; frozen faster in ${faster} of ${ratios.length} pairs`,
);
const keep: Tensor[] = [x, y];
for (const t of keep) t.dispose();
