// The LeNet-5 training step of the bench (batch 64: forward, cross-entropy, backward, SGD) on the
// wasm backend, for kernel work (not in CI). Three modes:
//
//   profile  times every backend call of the step (each Backend method is wrapped) and prints the
//            kernels by share of the step, grouped by method and op, then by call site (shapes).
//   ab       paired A/B step timer: backend-wasm package folders A and B (each with src/ and a
//            built build/), each at the given thread counts, in interleaved rounds inside one
//            process; prints per-config median step time and the median of the per-round ratios.
//            To compare against an older state, put that state's package (src/, assembly/ and a
//            build/ made by its scripts/build-wasm.mjs) in a folder and pass it as --a.
//   scaling  one package at 1 thread and at 2 threads in one process, steps interleaved, every backend
//            call timed: per call site the 1-thread and 2-thread medians and the speed-up, and the step
//            time outside backend calls (the serial JavaScript that a second thread cannot share).
//   kernels  the same paired A/B over single kernel calls of the step (the conv layers' three
//            kernels, the first fully connected layer, a 384³ matmul for reference, max pooling, the
//            bool→float cast), median of per-round ratios; one package with --threads 1,2 pairs the two counts.
//
//   pnpm tsx --tsconfig tsconfig.json scripts/lenet-step-profile.ts profile --threads 1 --clock cpu
//   pnpm tsx --tsconfig tsconfig.json scripts/lenet-step-profile.ts ab --a <old copy> --threads 1,2
//   pnpm tsx --tsconfig tsconfig.json scripts/lenet-step-profile.ts scaling --steps 200
//   pnpm tsx --tsconfig tsconfig.json scripts/lenet-step-profile.ts kernels --a <old copy> --clock cpu
//
// Options: --threads, --steps (per round, or per profile), --warmup, --rounds, --top (rows printed),
// --only (kernels whose name contains it), --clock wall|cpu (cpu: the process's CPU time, which on a
// shared machine leaves out the time spent descheduled; meaningful at 1 thread only).
// The machine this runs on may be shared: trust the paired ratios, not the absolute times.
import { parseArgs } from 'node:util';
import { clock, isTensorInfo, loadWasmPackage, median } from './profiling-kit.js';
import { performance } from 'node:perf_hooks';
import {
  type Backend,
  type TensorInfo,
  randn,
  registerBackend,
  setBackend,
  setSeed,
  tensor,
  tidy,
  variableGrads,
} from '@gradstream/core';
import { crossEntropy } from '@gradstream/core/nn';
import { sgd } from '@gradstream/core/optim';
import { lenet5 } from '@gradstream/models';

const BATCH = 64;
const CLASSES = 10;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '40' },
    warmup: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '15' },
    a: { type: 'string', default: 'packages/backend-wasm' },
    b: { type: 'string', default: 'packages/backend-wasm' },
    top: { type: 'string', default: '25' },
    only: { type: 'string', default: '' },
    clock: { type: 'string', default: 'wall' },
  },
});

/** One model, optimizer and batch living on one backend, and its step. */
function makeStep(): { step: () => void; dispose: () => void } {
  setSeed(0);
  const model = lenet5({ seed: 0 }).train();
  const opt = sgd(model.parameters(), { lr: 0.01 });
  const x = randn([BATCH, 1, 28, 28]);
  const y = tensor(
    Int32Array.from({ length: BATCH }, (_, i) => (i * 7) % CLASSES),
    [BATCH],
    'int32',
  );
  return {
    step() {
      const loss = tidy(() => {
        const { value, grads } = variableGrads(() => crossEntropy(model.call(x), y), opt.params);
        opt.step(grads);
        return value;
      });
      loss.dataSync();
      loss.dispose();
    },
    dispose() {
      model.dispose();
      opt.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

const now = clock(values.clock!);

const shapeOf = (v: unknown): string => (isTensorInfo(v) ? `[${v.shape.join('×')}]` : '');

/** Methods of the Backend contract that compute (storage calls are timed too, under their names). */
function wrapBackend(be: Backend, record: (group: string, site: string, ms: number) => void): void {
  const proto = Object.getPrototypeOf(be) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const desc = Object.getOwnPropertyDescriptor(proto, name);
    if (name === 'constructor' || desc?.get || typeof desc?.value !== 'function') continue;
    const fn = desc.value as (...args: unknown[]) => unknown;
    (be as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const t0 = now();
      const out = fn.apply(be, args);
      const ms = now() - t0;
      const op = typeof args[0] === 'string' ? `:${args[0]}` : '';
      const shapes = args.map(shapeOf).filter(Boolean).join(' ');
      record(`${name}${op}`, `${name}${op} ${shapes}`, ms);
      return out;
    };
  }
}

async function profile(): Promise<void> {
  const threads = Number(values.threads);
  const steps = Number(values.steps);
  const { createWasmBackend } = await loadWasmPackage(values.b!);
  const be = await createWasmBackend({ threads });
  registerBackend('wasm-profile', () => be);
  await setBackend('wasm-profile');
  const { step } = makeStep();
  for (let i = 0; i < Number(values.warmup); i++) step();
  const groups = new Map<string, { calls: number; ms: number }>();
  const sites = new Map<string, { calls: number; ms: number }>();
  let on = false;
  const add = (m: Map<string, { calls: number; ms: number }>, key: string, ms: number) => {
    const e = m.get(key) ?? { calls: 0, ms: 0 };
    e.calls++;
    e.ms += ms;
    m.set(key, e);
  };
  wrapBackend(be, (group, site, ms) => {
    if (!on) return;
    add(groups, group, ms);
    add(sites, site, ms);
  });
  const stepMs: number[] = [];
  for (let i = 0; i < steps; i++) {
    on = true;
    const t0 = now();
    step();
    stepMs.push(now() - t0);
    on = false;
  }
  const total = stepMs.reduce((s, v) => s + v, 0);
  const inKernels = [...groups.values()].reduce((s, v) => s + v.ms, 0);
  console.log(
    `LeNet-5 step, batch ${BATCH}, ${threads} thread(s), ${steps} steps, ${values.clock} clock: median ${median(stepMs).toFixed(2)} ms/step, ` +
      `mean ${(total / steps).toFixed(2)}; backend calls ${((100 * inKernels) / total).toFixed(1)}% of it`,
  );
  const print = (title: string, m: Map<string, { calls: number; ms: number }>, top: number) => {
    console.log(`\n${title}`);
    console.log(`${'share'.padStart(6)} ${'ms/step'.padStart(8)} ${'calls'.padStart(6)}  kernel`);
    for (const [key, e] of [...m.entries()].sort((p, q) => q[1].ms - p[1].ms).slice(0, top)) {
      console.log(
        `${((100 * e.ms) / total).toFixed(1).padStart(5)}% ${(e.ms / steps).toFixed(3).padStart(8)} ${(e.calls / steps).toFixed(0).padStart(6)}  ${key}`,
      );
    }
  };
  print('by kernel (share of the step time):', groups, Number(values.top));
  print('by call site:', sites, Number(values.top));
  process.exit(0);
}

async function ab(): Promise<void> {
  const threadCounts = values.threads!.split(',').map(Number);
  const steps = Number(values.steps);
  const rounds = Number(values.rounds);
  const dirs = values.a === values.b ? [values.a!] : [values.a!, values.b!];
  const configs: { label: string; name: string; run?: ReturnType<typeof makeStep> }[] = [];
  for (const [v, dir] of dirs.entries()) {
    const { createWasmBackend } = await loadWasmPackage(dir);
    for (const threads of threadCounts) {
      const be = await createWasmBackend({ threads });
      const name = `wasm-ab-${v}-${threads}`;
      registerBackend(name, () => be);
      configs.push({ label: `${dirs.length > 1 ? 'AB'[v] : ''}${dirs.length > 1 ? ' ' : ''}${threads}t`, name });
    }
  }
  for (const c of configs) {
    await setBackend(c.name);
    c.run = makeStep();
    for (let i = 0; i < Number(values.warmup); i++) c.run.step();
  }
  const perRound = configs.map(() => [] as number[]);
  // Every step's time too: the bench times a run's total, so slow outliers count there.
  const allSteps = configs.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    // Rotate the order so no config always runs right after the same other one.
    for (let k = 0; k < configs.length; k++) {
      const i = (k + r) % configs.length;
      const c = configs[i]!;
      await setBackend(c.name);
      const ms: number[] = [];
      for (let s = 0; s < steps; s++) {
        const t0 = now();
        c.run!.step();
        ms.push(now() - t0);
      }
      perRound[i]!.push(median(ms));
      allSteps[i]!.push(...ms);
    }
  }
  console.log(
    `LeNet-5 step, batch ${BATCH}, ${values.clock} clock: ${rounds} interleaved rounds of ${steps} steps (median per round)`,
  );
  for (const [i, c] of configs.entries()) {
    const all = [...allSteps[i]!].sort((p, q) => p - q);
    const mean = all.reduce((p, q) => p + q, 0) / all.length;
    const p90 = all[Math.floor(0.9 * (all.length - 1))]!;
    console.log(
      `  ${c.label.padEnd(8)} median ${median(perRound[i]!).toFixed(2)} ms/step; over all steps mean ${mean.toFixed(2)}, p90 ${p90.toFixed(2)}, max ${all[all.length - 1]!.toFixed(2)}`,
    );
  }
  const ratio = (i: number, j: number) => median(perRound[i]!.map((t, r) => t / perRound[j]![r]!)).toFixed(3);
  for (let i = 1; i < configs.length; i++)
    console.log(`  ${configs[0]!.label} / ${configs[i]!.label} (speed-up of the latter): ${ratio(0, i)}`);
  if (dirs.length > 1 && threadCounts.length > 1) {
    const n = threadCounts.length;
    for (let t = 1; t < n; t++) console.log(`  B ${threadCounts[0]}t / B ${threadCounts[t]}t: ${ratio(n, n + t)}`);
  }
  process.exit(0);
}

interface KernelCase {
  readonly name: string;
  readonly run: (be: Backend, inputs: readonly TensorInfo[]) => TensorInfo;
  readonly shapes: readonly (readonly number[])[];
}

const conv1 = {
  stride: [1, 1],
  dilation: [1, 1],
  padding: [
    [2, 2],
    [2, 2],
  ] as const,
  groups: 1,
};
const conv2 = {
  stride: [1, 1],
  dilation: [1, 1],
  padding: [
    [0, 0],
    [0, 0],
  ] as const,
  groups: 1,
};
const pool2 = {
  kernel: [2, 2],
  stride: [2, 2],
  dilation: [1, 1],
  padding: [
    [0, 0],
    [0, 0],
  ] as const,
  outShape: [14, 14],
};

const KERNEL_CASES: readonly KernelCase[] = [
  {
    name: 'conv1 forward',
    shapes: [
      [64, 1, 28, 28],
      [6, 1, 5, 5],
    ],
    run: (b, [x, w]) => b.conv(x!, w!, conv1),
  },
  {
    name: 'conv1 filter grad',
    shapes: [
      [64, 1, 28, 28],
      [64, 6, 28, 28],
    ],
    run: (b, [x, dy]) => b.convBackpropFilter!(x!, dy!, conv1, [6, 1, 5, 5]),
  },
  {
    name: 'conv2 forward',
    shapes: [
      [64, 6, 14, 14],
      [16, 6, 5, 5],
    ],
    run: (b, [x, w]) => b.conv(x!, w!, conv2),
  },
  {
    name: 'conv2 input grad',
    shapes: [
      [64, 16, 10, 10],
      [16, 6, 5, 5],
    ],
    run: (b, [dy, w]) => b.convBackpropInput!(dy!, w!, conv2, [64, 6, 14, 14]),
  },
  {
    name: 'conv2 filter grad',
    shapes: [
      [64, 6, 14, 14],
      [64, 16, 10, 10],
    ],
    run: (b, [x, dy]) => b.convBackpropFilter!(x!, dy!, conv2, [16, 6, 5, 5]),
  },
  {
    name: 'fc1 forward 64×400·120',
    shapes: [
      [1, 64, 400],
      [1, 120, 400],
    ],
    run: (b, [x, w]) => b.matmul(x!, w!, false, true),
  },
  {
    name: 'matmul 384³ (reference)',
    shapes: [
      [1, 384, 384],
      [1, 384, 384],
    ],
    run: (b, [x, w]) => b.matmul(x!, w!, false, false),
  },
  {
    name: 'maxPool 64×6×28×28',
    shapes: [[64, 6, 28, 28]],
    run: (b, [x]) => {
      const { y, indices } = b.maxPool(x!, pool2);
      b.disposeData(indices.dataId);
      return y;
    },
  },
  {
    name: 'cast bool→f32 301k',
    shapes: [[64, 6, 28, 28]],
    run: (b, [x]) => {
      const mask = b.binary('greater', x!, x!);
      const out = b.cast(mask, 'float32');
      b.disposeData(mask.dataId);
      return out;
    },
  },
];

async function kernels(): Promise<void> {
  const counts = values.threads!.split(',').map(Number);
  const reps = Number(values.steps);
  const rounds = Number(values.rounds);
  const dirs = values.a === values.b ? [values.a!] : [values.a!, values.b!];
  const backends: Backend[] = [];
  // One package at two thread counts compares the counts (A the first); two packages run at the first count.
  const configs =
    dirs.length === 1 && counts.length > 1
      ? counts.slice(0, 2).map((threads) => ({ dir: dirs[0]!, threads }))
      : dirs.map((dir) => ({ dir, threads: counts[0]! }));
  for (const c of configs)
    backends.push(await (await loadWasmPackage(c.dir)).createWasmBackend({ threads: c.threads }));
  console.log(
    `kernel calls of the LeNet-5 step, ${configs.map((c) => `${c.threads} thread(s)`).join(' vs ')}: ${rounds} rounds × ${reps} calls, median per round`,
  );
  for (const kc of KERNEL_CASES.filter((k) => k.name.includes(values.only!))) {
    const inputs = backends.map((be) =>
      kc.shapes.map((s) => {
        const v = Float32Array.from({ length: s.reduce((p, q) => p * q, 1) }, (_, i) => Math.sin(i * 0.37));
        return { dataId: be.write(v, s, 'float32'), shape: s, dtype: 'float32' as const };
      }),
    );
    const perRound = backends.map(() => [] as number[]);
    // CPU time of the process per call: on a loaded machine it leaves out the time spent descheduled.
    const cpuRound = backends.map(() => [] as number[]);
    for (let r = 0; r < rounds + 1; r++) {
      for (let k = 0; k < backends.length; k++) {
        const i = (k + r) % backends.length;
        const ms: number[] = [];
        const c0 = process.cpuUsage();
        for (let s = 0; s < reps; s++) {
          const t0 = performance.now();
          const out = kc.run(backends[i]!, inputs[i]!);
          ms.push(performance.now() - t0);
          backends[i]!.disposeData(out.dataId);
        }
        const cpu = process.cpuUsage(c0);
        if (r > 0) {
          perRound[i]!.push(median(ms));
          cpuRound[i]!.push((cpu.user + cpu.system) / 1000 / reps);
        }
      }
    }
    const cols = (rs: number[][]) => rs.map((t) => `${median(t).toFixed(3).padStart(7)}`).join(' ');
    const ratio = (rs: number[][]) =>
      backends.length > 1 ? ` A/B ${median(rs[0]!.map((t, r) => t / rs[1]![r]!)).toFixed(3)}` : '';
    console.log(
      `  ${kc.name.padEnd(22)} wall ms ${cols(perRound)}${ratio(perRound)}   cpu ms ${cols(cpuRound)}${ratio(cpuRound)}`,
    );
    inputs.forEach((ins, i) => {
      for (const t of ins) backends[i]!.disposeData(t.dataId);
    });
  }
  process.exit(0);
}

async function scaling(): Promise<void> {
  const steps = Number(values.steps);
  const { createWasmBackend } = await loadWasmPackage(values.b!);
  const counts = [1, 2];
  const runs: { step: () => void; sites: Map<string, number[]>; stepMs: number[]; inCalls: number[] }[] = [];
  let current = -1;
  let callMs = 0;
  let callsBySite = new Map<string, number>();
  for (const [i, threads] of counts.entries()) {
    const be = await createWasmBackend({ threads });
    registerBackend(`wasm-scaling-${threads}`, () => be);
    await setBackend(`wasm-scaling-${threads}`);
    const sites = new Map<string, number[]>();
    wrapBackend(be, (_group, site, ms) => {
      if (current !== i) return;
      callMs += ms;
      callsBySite.set(site, (callsBySite.get(site) ?? 0) + ms);
    });
    const { step } = makeStep();
    for (let k = 0; k < Number(values.warmup); k++) step();
    runs.push({ step, sites, stepMs: [], inCalls: [] });
  }
  // Blocks of steps, not single steps: a worker left idle through the other config's step would
  // have gone to sleep, and waking it would be charged to the first kernel.
  const BLOCK = 10;
  for (let s = 0; s < steps; s += BLOCK) {
    for (const [i, run] of runs.entries()) {
      await setBackend(`wasm-scaling-${counts[i]}`);
      run.step();
      for (let b = 0; b < BLOCK; b++) {
        current = i;
        callMs = 0;
        callsBySite = new Map();
        const t0 = now();
        run.step();
        run.stepMs.push(now() - t0);
        current = -1;
        run.inCalls.push(callMs);
        // A site called twice in a step (two layers of one shape) is summed within the step.
        for (const [site, ms] of callsBySite) run.sites.set(site, [...(run.sites.get(site) ?? []), ms]);
      }
    }
  }
  const [one, two] = runs as [(typeof runs)[0], (typeof runs)[0]];
  const outside = (r: typeof one) => median(r.stepMs.map((t, k) => t - r.inCalls[k]!));
  console.log(`LeNet-5 step, batch ${BATCH}, 1 vs 2 threads interleaved, ${steps} steps each, ${values.clock} clock`);
  console.log(
    `  step median: 1t ${median(one.stepMs).toFixed(2)} ms, 2t ${median(two.stepMs).toFixed(2)} ms, speed-up ${median(one.stepMs.map((t, k) => t / two.stepMs[k]!)).toFixed(3)}`,
  );
  console.log(
    `  inside backend calls: 1t ${median(one.inCalls).toFixed(2)} ms, 2t ${median(two.inCalls).toFixed(2)} ms; outside: 1t ${outside(one).toFixed(2)} ms, 2t ${outside(two).toFixed(2)} ms`,
  );
  console.log(`\n${'1t ms'.padStart(7)} ${'2t ms'.padStart(7)} ${'×'.padStart(6)}  call site (median per step)`);
  const rows = [...one.sites.entries()]
    .map(([site, ms]) => ({ site, a: median(ms), b: median(two.sites.get(site) ?? [0]) }))
    .sort((p, q) => q.a - p.a)
    .slice(0, Number(values.top));
  for (const r of rows)
    console.log(
      `${r.a.toFixed(3).padStart(7)} ${r.b.toFixed(3).padStart(7)} ${(r.a / r.b).toFixed(2).padStart(6)}  ${r.site}`,
    );
  process.exit(0);
}

if (positionals[0] === 'ab') await ab();
else if (positionals[0] === 'scaling') await scaling();
else if (positionals[0] === 'kernels') await kernels();
else await profile();
