// Memory soak of the wasm backend (not in CI; `pnpm soak`, about 10 minutes on two cores):
//   1. LeNet-5 trained on MNIST through fit() for --steps optimizer steps;
//   2. the same number of manual steps, valueAndGrads and an optimizer step inside tidy;
//   3. --failing ops that throw (shape, dtype and label errors), called without tidy.
// Phases 1 and 2 sample live tensors, wasm linear memory and RSS every 1,000 steps (every tenth of
// the run when it is shorter) and compute a verdict: flat after warm-up. Phase 3 counts what the
// failing ops left alive. Exits 1 when any verdict fails.
//   pnpm soak                      # 10,000 steps per phase, 2,000 failing ops
//   pnpm soak --steps 200          # a smoke run (phase 1 needs two epochs, 1,876 steps, to give a verdict)
import { parseArgs } from 'node:util';
import { lastValueFrom, takeWhile, tap } from 'rxjs';
import { getThreads, setThreads, type WasmBackend } from '@gradstream/backend-wasm';
import {
  conv2d,
  getBackend,
  matmul,
  memory,
  setBackend,
  setSeed,
  type Tensor,
  tensor,
  tidy,
  valueAndGrads,
  zeros,
} from '@gradstream/core';
import { crossEntropy } from '@gradstream/core/nn';
import { adam } from '@gradstream/core/optim';
import { fit } from '@gradstream/core/train';
import { DataLoader, mnist, normalize } from '@gradstream/datasets';
import { lenet5 } from '@gradstream/models';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '10000' },
    failing: { type: 'string', default: '2000' },
    threads: { type: 'string' },
  },
});
const positive = (name: string, raw: string | undefined): number => {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`soak: --${name} must be a positive integer, got '${raw}'`);
    process.exit(2);
  }
  return n;
};
const STEPS = positive('steps', values.steps);
const FAILING = positive('failing', values.failing);
const EVERY = Math.max(1, Math.min(1000, Math.floor(STEPS / 10)));
/** Samples taken in the first fifth of a run are warm-up: pools, caches and the heap are still growing (fit: at least an epoch). */
const WARM_UP = Math.ceil(STEPS / 5);
/** RSS may wander with the garbage collector; a least-squares drift beyond this over the run is growth. */
const RSS_DRIFT_LIMIT = (rssMedian: number) => Math.max(16 * 2 ** 20, 0.05 * rssMedian);
const BATCH = 64;

interface Sample {
  readonly step: number;
  readonly tensors: number;
  readonly wasmBytes: number;
  readonly rss: number;
}

if (values.threads !== undefined) await setThreads(positive('threads', values.threads));
await setBackend('wasm');
const wasm = getBackend() as WasmBackend;
const sample = (step: number): Sample => ({
  step,
  tensors: memory().numTensors,
  wasmBytes: wasm.linearMemoryBytes,
  rss: process.memoryUsage().rss,
});

const train = mnist('train');
const loader = () =>
  new DataLoader(train, { batchSize: BATCH, shuffle: true, seed: 1, transform: normalize(0.1307, 0.3081) });

// ---- 1. fit() ----
setSeed(1);
const fitModel = lenet5();
const fitOptimizer = adam(fitModel.parameters(), { lr: 1e-3 });
const fitSamples: Sample[] = [];
const perEpoch = loader().length;
await lastValueFrom(
  fit(fitModel, { train: loader(), epochs: Math.ceil(STEPS / perEpoch), optimizer: fitOptimizer }).pipe(
    tap((e) => {
      if (e.type === 'batchEnd' && (e.step + 1) % EVERY === 0) fitSamples.push(sample(e.step + 1));
    }),
    takeWhile((e) => e.type !== 'batchEnd' || e.step + 1 < STEPS),
  ),
  { defaultValue: undefined },
);
fitOptimizer.dispose();
fitModel.dispose();

// ---- 2. manual valueAndGrads steps inside tidy ----
setSeed(2);
const model = lenet5();
const optimizer = adam(model.parameters(), { lr: 1e-3 });
// Sixteen batches made once and reused, so the loop allocates nothing but the step's own tensors.
const batches: { x: Tensor; y: Tensor }[] = [];
for await (const b of loader()) {
  batches.push({ x: b.x, y: b.y });
  if (batches.length === 16) break;
}
const manualSamples: Sample[] = [];
for (let step = 1; step <= STEPS; step++) {
  const { x, y } = batches[step % batches.length]!;
  tidy(() => {
    const { grads } = valueAndGrads(() => crossEntropy(model.call(x), y))(optimizer.params);
    optimizer.step(grads);
  });
  if (step % EVERY === 0) manualSamples.push(sample(step));
  // Let worker messages and timers run, as a real program's event loop would.
  if (step % 100 === 0) await new Promise((r) => setImmediate(r));
}
for (const b of batches) {
  b.x.dispose();
  b.y.dispose();
}
optimizer.dispose();
model.dispose();

// ---- 3. failing ops without tidy ----
const a3 = tensor([1, 2, 3]);
const m22 = tensor([
  [1, 2],
  [3, 4],
]);
const i3 = tensor([1, 2, 3], undefined, 'int32');
const i22 = tensor([1, 2, 3, 4], [2, 2], 'int32');
const logits = zeros([4, 3]);
const badLabels = tensor([0, 1, 2, 7], undefined, 'int32');
const image = zeros([1, 1, 4, 4]);
const kernel = zeros([1, 1, 5, 5]);
const FAILURES: readonly { readonly name: string; readonly run: () => unknown }[] = [
  { name: 'matmul [3] × [2,2] (rank-1 shape mismatch)', run: () => matmul(a3, m22) },
  { name: 'matmul int32 [3] × [2,2]', run: () => matmul(i3, i22) },
  { name: 'crossEntropy with label 7 of 3 classes', run: () => crossEntropy(logits, badLabels) },
  { name: 'conv2d 4×4 input, 5×5 kernel (empty output)', run: () => conv2d(image, kernel) },
];
const failingRows = FAILURES.map(({ name, run }) => {
  const before = memory();
  let thrown = 0;
  for (let i = 0; i < Math.ceil(FAILING / FAILURES.length); i++) {
    try {
      run();
    } catch {
      thrown++;
    }
  }
  const after = memory();
  return { name, thrown, tensors: after.numTensors - before.numTensors, bytes: after.numBytes - before.numBytes };
});

// ---- report ----
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const count = (n: number) => n.toLocaleString('en-US');

function table(title: string, samples: readonly Sample[], warmUp: number): boolean {
  console.log(`\n${title}`);
  console.log('     step  live tensors  wasm memory (MB)  RSS (MB)');
  for (const s of samples)
    console.log(
      `${count(s.step).padStart(9)}  ${count(s.tensors).padStart(12)}  ${mb(s.wasmBytes).padStart(16)}  ${mb(s.rss).padStart(8)}`,
    );
  const steady = samples.filter((s) => s.step > warmUp);
  if (steady.length < 2) {
    console.log(`verdict: NOT MEASURED (fewer than two samples after the warm-up of ${count(warmUp)} steps)`);
    return false;
  }
  const tensorsFlat = steady.every((s) => s.tensors === steady[0]!.tensors);
  const wasmFlat = steady.every((s) => s.wasmBytes === steady[0]!.wasmBytes);
  const drift = rssDrift(steady);
  const median = [...steady.map((s) => s.rss)].sort((p, q) => p - q)[Math.floor(steady.length / 2)]!;
  const rssFlat = drift <= RSS_DRIFT_LIMIT(median);
  const flat = tensorsFlat && wasmFlat && rssFlat;
  const range = (pick: (s: Sample) => number, fmt: (n: number) => string) => {
    const vs = steady.map(pick);
    const lo = Math.min(...vs);
    const hi = Math.max(...vs);
    return lo === hi ? `constant at ${fmt(lo)}` : `${fmt(lo)} to ${fmt(hi)}`;
  };
  console.log(
    `verdict: ${flat ? 'flat after warm-up' : 'NOT FLAT after warm-up'} (steps > ${count(warmUp)}): ` +
      `live tensors ${range((s) => s.tensors, count)}${tensorsFlat ? '' : ' (must be constant)'}, ` +
      `wasm memory ${range(
        (s) => s.wasmBytes,
        (n) => `${mb(n)} MB`,
      )}${wasmFlat ? '' : ' (must be constant)'}, ` +
      `RSS drift ${drift >= 0 ? '+' : ''}${mb(drift)} MB over the run (limit ${mb(RSS_DRIFT_LIMIT(median))} MB)`,
  );
  return flat;
}

/** RSS change over the sampled span along the least-squares line: growth, not the collector's noise. */
function rssDrift(samples: readonly Sample[]): number {
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.step, 0) / n;
  const my = samples.reduce((a, s) => a + s.rss, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const s of samples) {
    sxy += (s.step - mx) * (s.rss - my);
    sxx += (s.step - mx) ** 2;
  }
  return (sxy / sxx) * (samples[n - 1]!.step - samples[0]!.step);
}

console.log(
  `soak on wasm (${getThreads() ?? 'default (cores, at most 4)'} threads): LeNet-5, MNIST batches of ${BATCH}, ${count(STEPS)} steps per phase, sampled every ${count(EVERY)}`,
);
// fit's warm-up lasts at least an epoch: the epoch's last, smaller batch is a new shape that may grow wasm memory once.
const fitFlat = table(`1. fit(), ${count(STEPS)} steps`, fitSamples, Math.max(WARM_UP, perEpoch));
const manualFlat = table(`2. valueAndGrads + adam step inside tidy, ${count(STEPS)} steps`, manualSamples, WARM_UP);
console.log(`\n3. ${count(FAILING)} failing ops without tidy`);
console.log('  op                                              thrown  tensors left  bytes left');
for (const r of failingRows)
  console.log(
    `  ${r.name.padEnd(46)}  ${count(r.thrown).padStart(6)}  ${count(r.tensors).padStart(12)}  ${count(r.bytes).padStart(10)}`,
  );
const allThrew = failingRows.every((r) => r.thrown === Math.ceil(FAILING / FAILURES.length));
const nothingLeft = failingRows.every((r) => r.tensors === 0 && r.bytes === 0);
console.log(
  `verdict: ${nothingLeft ? 'nothing left' : 'LEAKS'}${allThrew ? '' : ' (some ops did not throw: the case is wrong)'}`,
);
process.exit(fitFlat && manualFlat && nothingLeft && allThrew ? 0 : 1);
