// Who determines the convolution masks? LeNet-5 on MNIST with its first layer
// learned, fixed to Gabor wavelets, fixed to edge detectors, or fixed at its
// random init (`gradstream train --first-layer …`), then a table (test
// accuracy, parameters trained, step time) and the four conv1 filter sets
// pictured side by side (docs/first-layer-filters.png).
//   pnpm first-layer-experiment                         # 3 epochs, the runs one after another
//   pnpm first-layer-experiment --parallel 2            # two runs at a time
//   pnpm first-layer-experiment --render-only           # table and picture from runs already made
// The step-time column is measured apart from the runs, in this process: the four models' training
// steps (one random MNIST-shaped batch, Adam over the trainable parameters, wasm on one thread)
// interleaved round-robin with the order rotated each round, so other load on the machine falls on
// all four alike; the runs' own epoch throughputs are printed too but drift with that load.
// Each run is `gradstream train --model lenet5 --dataset mnist --epochs E --threads 1 --seed 0
// --first-layer X --out runs/first-layer/X`, its stdout and stderr kept beside its outputs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import { setThreads } from '@gradstream/backend-wasm';
import { randn, setBackend, setSeed, tensor, tidy, variableGrads } from '@gradstream/core';
import { crossEntropy } from '@gradstream/core/nn';
import { adam } from '@gradstream/core/optim';
import { decodeSafetensors } from '@gradstream/models';
import { applyFirstLayer } from '../packages/cli/src/setup/first-layer.js';
import { buildModel } from '../packages/cli/src/setup/models.js';

const CHOICES = ['learned', 'gabor', 'edges', 'random-frozen'] as const;
type Choice = (typeof CHOICES)[number];

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    parallel: { type: 'string', default: '1' },
    runs: { type: 'string', default: 'runs/first-layer' },
    picture: { type: 'string', default: 'docs/first-layer-filters.png' },
    'render-only': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '40' },
  },
});
const epochs = Number(values.epochs);
const parallel = Number(values.parallel);
const BATCH = 64;

function trainArgs(choice: Choice): string[] {
  return [
    'train',
    '--model',
    'lenet5',
    '--dataset',
    'mnist',
    '--epochs',
    String(epochs),
    '--batch-size',
    String(BATCH),
    '--threads',
    '1',
    '--seed',
    '0',
    '--first-layer',
    choice,
    '--out',
    join(values.runs, choice),
  ];
}

/** Runs the CLI from its sources (tsx, the repository's tsconfig paths) and keeps its output. */
function run(choice: Choice): Promise<void> {
  const dir = join(values.runs, choice);
  mkdirSync(dir, { recursive: true });
  const args = ['--import', 'tsx', 'packages/cli/src/bin.ts', ...trainArgs(choice)];
  process.stderr.write(`start ${choice}: gradstream ${trainArgs(choice).join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      writeFileSync(join(dir, 'stdout.txt'), Buffer.concat(out));
      writeFileSync(join(dir, 'stderr.txt'), Buffer.concat(err));
      process.stderr.write(`done ${choice}: exit ${code}\n`);
      if (code === 0) resolve();
      else reject(new Error(`${choice} exited with ${code}; see ${dir}/stderr.txt`));
    });
  });
}

interface Row {
  readonly choice: Choice;
  readonly testAccuracy: number;
  readonly trained: string;
  readonly total: string;
  /** Mean time per step of the fastest epoch (the one least slowed by other load) and over all epochs. */
  readonly fastestMs: number;
  readonly meanMs: number;
  readonly epochs: number;
}

/** What a finished run reported: test accuracy from stdout, parameters from stderr, throughput from metrics.csv. */
function readRow(choice: Choice): Row | undefined {
  const dir = join(values.runs, choice);
  if (!existsSync(join(dir, 'stdout.txt')) || !existsSync(join(dir, 'metrics.csv'))) return undefined;
  const stdout = readFileSync(join(dir, 'stdout.txt'), 'utf8');
  const stderr = readFileSync(join(dir, 'stderr.txt'), 'utf8');
  const acc = /^test accuracy ([\d.]+)%/m.exec(stdout);
  const params = /^([\d,]+) of ([\d,]+) parameters trained$/m.exec(stderr);
  if (!acc || !params) return undefined;
  const lines = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const sps = lines.slice(1).map((l) => Number(l.split(',')[header.indexOf('samples_per_sec')]));
  const seconds = lines.slice(1).map((l) => Number(l.split(',')[header.indexOf('seconds')]));
  const steps = seconds.map((t, i) => (t * sps[i]!) / BATCH);
  return {
    choice,
    testAccuracy: Number(acc[1]),
    trained: params[1]!,
    total: params[2]!,
    fastestMs: (1000 * BATCH) / Math.max(...sps),
    meanMs: (1000 * seconds.reduce((a, b) => a + b, 0)) / steps.reduce((a, b) => a + b, 0),
    epochs: sps.length,
  };
}

/** CRC-32 as PNG chunks need it. */
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** An 8-bit RGB PNG of `rgb` (row-major, 3 bytes a pixel). */
function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const body = Buffer.concat([head.subarray(4), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body), 0);
    return Buffer.concat([head.subarray(0, 4), body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
}

/**
 * The conv1 kernels of each run, one row per run in CHOICES order, each
 * kernel magnified and stretched to its own min/max (black to white) on a
 * dark grey background.
 */
function picture(rows: readonly Choice[]): void {
  const kernels = rows.map((choice) => {
    const { tensors } = decodeSafetensors(readFileSync(join(values.runs, choice, 'model.safetensors')));
    const w = tensors.get('features.0.weight');
    if (!w) throw new Error(`${choice}: no features.0.weight`);
    return { data: w.data, shape: w.shape as readonly number[] };
  });
  const [o, , h, w] = kernels[0]!.shape as [number, number, number, number];
  const scale = 12;
  const gap = 8;
  const width = gap + o * (w * scale + gap);
  const height = gap + rows.length * (h * scale + gap);
  const rgb = new Uint8Array(width * height * 3).fill(40);
  kernels.forEach(({ data }, r) => {
    for (let k = 0; k < o; k++) {
      const tile = Array.from({ length: h * w }, (_, i) => data[k * h * w + i]!);
      const lo = Math.min(...tile);
      const range = Math.max(...tile) - lo;
      for (let i = 0; i < h * scale; i++)
        for (let j = 0; j < w * scale; j++) {
          const v = tile[Math.floor(i / scale) * w + Math.floor(j / scale)]!;
          const level = range > 0 ? Math.round(((v - lo) / range) * 255) : 128;
          const at = ((gap + r * (h * scale + gap) + i) * width + gap + k * (w * scale + gap) + j) * 3;
          rgb.fill(level, at, at + 3);
        }
    }
  });
  writeFileSync(values.picture, encodePng(width, height, rgb));
  process.stderr.write(`wrote ${values.picture}: rows ${rows.join(', ')}\n`);
}

/** Median milliseconds of one training step per first layer, the four interleaved (see the header). */
async function stepTimes(): Promise<Map<Choice, number>> {
  await setThreads(1);
  await setBackend('wasm');
  setSeed(1);
  const x = randn([BATCH, 1, 28, 28]);
  const y = tensor(
    Int32Array.from({ length: BATCH }, (_, i) => i % 10),
    [BATCH],
    'int32',
  );
  const steps = CHOICES.map((choice) => {
    const model = buildModel('lenet5', { imageShape: [1, 28, 28], numClasses: 10 }, 0);
    if (choice !== 'learned') applyFirstLayer(model, choice);
    const optimizer = adam(model.trainableParameters(), { lr: 1e-3 });
    return () =>
      tidy(() => {
        const { value, grads } = variableGrads(() => crossEntropy(model.call(x), y), optimizer.params);
        value.item();
        optimizer.step(grads);
      });
  });
  for (let i = 0; i < 3; i++) for (const step of steps) step();
  const times = CHOICES.map(() => [] as number[]);
  for (let r = 0; r < Number(values.rounds); r++)
    for (let k = 0; k < CHOICES.length; k++) {
      const c = (k + r) % CHOICES.length;
      const t = performance.now();
      steps[c]!();
      times[c]!.push(performance.now() - t);
    }
  const median = (v: number[]): number => {
    const s = [...v].sort((a, b) => a - b);
    return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
  };
  return new Map(CHOICES.map((c, i) => [c, median(times[i]!)]));
}

async function main(): Promise<void> {
  if (!values['render-only']) {
    const queue = [...CHOICES];
    const worker = async (): Promise<void> => {
      for (let c = queue.shift(); c; c = queue.shift()) await run(c);
    };
    await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  }
  const rows = CHOICES.map(readRow).filter((r): r is Row => r !== undefined);
  const interleaved = await stepTimes();
  process.stdout.write(
    '| first layer | test accuracy | parameters trained | step time, interleaved (ms) | run: fastest epoch (ms/step) | run: all epochs (ms/step) | epochs |\n|---|---:|---:|---:|---:|---:|---:|\n',
  );
  for (const r of rows)
    process.stdout.write(
      `| ${r.choice} | ${r.testAccuracy.toFixed(2)}% | ${r.trained} of ${r.total} | ${interleaved.get(r.choice)!.toFixed(1)} | ${r.fastestMs.toFixed(1)} | ${r.meanMs.toFixed(1)} | ${r.epochs} |\n`,
    );
  const pictured = CHOICES.filter((c) => existsSync(join(values.runs, c, 'model.safetensors')));
  if (pictured.length) picture(pictured);
}

await main();
