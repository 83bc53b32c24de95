// Where ResNet-18's time goes on the wasm backend (not in CI): the two cases of issue 18's efficiency
// target, the 224×224 forward (batch 1, eval) and the CIFAR training step (batch 32, SGD), against a
// 1024³ matmul measured in the same process. Three modes:
//
//   profile  per thread count: the matmul 1024³ GFLOP/s, then each case under core's profile() (by
//            kernel) with every backend call also timed by call site (method and shapes); each conv
//            call site's GFLOP/s and its share of the matmul's; the network's FLOPs over its time.
//   ab       paired A/B: backend-wasm package folders A and B (each with src/ and a built build/), at
//            the given thread counts, the case's run interleaved with the matmul in rounds; per config
//            the median time, the efficiency against the same backend's matmul, and the median of the
//            per-round B/A speed-ups.
//   kernels  the same paired A/B over single conv calls at ResNet's shapes (forward, input and filter
//            gradient), median of per-round ratios.
//
//   pnpm tsx --tsconfig tsconfig.json scripts/resnet-profile.ts profile --threads 1,2 [--case forward|step]
//   pnpm tsx --tsconfig tsconfig.json scripts/resnet-profile.ts ab --a <old copy> --threads 1,2 --case step
//   pnpm tsx --tsconfig tsconfig.json scripts/resnet-profile.ts kernels --a <old copy> --clock cpu
//
// Options: --threads, --reps (runs per round or profile), --warmup, --rounds, --top, --case, --only,
// --clock wall|cpu (cpu: the process's CPU time, meaningful at 1 thread only).
// The machine this runs on may be shared: trust the paired ratios, not the absolute times.
import { parseArgs } from 'node:util';
import { clock, isTensorInfo, loadWasmPackage, median } from './profiling-kit.js';
import {
  type Backend,
  type ConvGeometry,
  type TensorInfo,
  type Tensor,
  formatProfile,
  matmul,
  profile,
  randn,
  registerBackend,
  setBackend,
  setSeed,
  sizeOf,
  slice,
  tensor,
  tidy,
  variableGrads,
} from '@gradstream/core';
import { crossEntropy } from '@gradstream/core/nn';
import { sgd } from '@gradstream/core/optim';
import { resnet18 } from '@gradstream/models';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1,2' },
    reps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '7' },
    a: { type: 'string', default: 'packages/backend-wasm' },
    b: { type: 'string', default: 'packages/backend-wasm' },
    top: { type: 'string', default: '30' },
    case: { type: 'string', default: 'forward,step' },
    only: { type: 'string', default: '' },
    clock: { type: 'string', default: 'wall' },
  },
});

const now = clock(values.clock!);

interface Case {
  readonly id: 'forward' | 'step';
  readonly title: string;
  /** FLOPs the bench credits the case with: 2·MACs of its convolutions and linear layers (×3 for a step). */
  readonly flops: number;
  readonly make: () => { run: () => void; dispose: () => void };
}

/** 2·MACs of ResNet-18's conv and linear layers for one input of the given spatial size (what bench/flops.ts counts). */
function resnetForwardFlops(imagenet: boolean, classes: number): number {
  let flops = 0;
  let hw = imagenet ? 224 : 32;
  const conv = (cin: number, cout: number, k: number, stride: number) => {
    hw = Math.floor((hw + 2 * Math.floor(k / 2) - k) / stride) + 1;
    flops += 2 * cout * cin * k * k * hw * hw;
  };
  conv(3, 64, imagenet ? 7 : 3, imagenet ? 2 : 1);
  if (imagenet) hw = Math.floor((hw + 2 - 3) / 2) + 1;
  let cin = 64;
  for (const [i, planes] of [64, 128, 256, 512].entries()) {
    for (let b = 0; b < 2; b++) {
      const stride = i > 0 && b === 0 ? 2 : 1;
      const inHw = hw;
      conv(cin, planes, 3, stride);
      conv(planes, planes, 3, 1);
      if (stride !== 1 || cin !== planes) {
        const outHw = hw;
        hw = inHw;
        conv(cin, planes, 1, stride);
        hw = outHw;
      }
      cin = planes;
    }
  }
  return flops + 2 * 512 * classes;
}

const CASES: readonly Case[] = [
  {
    id: 'forward',
    title: 'ResNet-18 224×224 forward, batch 1, eval',
    flops: resnetForwardFlops(true, 1000),
    make() {
      setSeed(0);
      const model = resnet18({ seed: 0 }).eval();
      const x = randn([1, 3, 224, 224]);
      return {
        run: () => tidy(() => void readOne(model.call(x))),
        dispose: () => {
          model.dispose();
          x.dispose();
        },
      };
    },
  },
  {
    id: 'step',
    title: 'ResNet-18 CIFAR training step, batch 32, SGD',
    flops: 32 * 3 * resnetForwardFlops(false, 10),
    make() {
      setSeed(0);
      const model = resnet18({ variant: 'cifar', numClasses: 10, seed: 0 }).train();
      const opt = sgd(model.parameters(), { lr: 0.01 });
      const x = randn([32, 3, 32, 32]);
      const y = tensor(
        Int32Array.from({ length: 32 }, (_, i) => (i * 7) % 10),
        [32],
        'int32',
      );
      return {
        run() {
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
    },
  },
];

/** Reads one element, as the bench does: waits for the kernel without timing a copy of the output. */
const readOne = (t: Tensor): number =>
  tidy(
    () =>
      slice(
        t,
        t.shape.map(() => 0),
        t.shape.map(() => 1),
      ).dataSync()[0]!,
  );

const selectedCases = () => CASES.filter((c) => values.case!.split(',').includes(c.id));

/** A 1024³ matmul on the active backend, as the bench's matmul/1024 case: returns its run. */
function makeMatmul(): { run: () => void; dispose: () => void } {
  const a = randn([1024, 1024]);
  const b = randn([1024, 1024]);
  return {
    run: () => tidy(() => void readOne(matmul(a, b))),
    dispose: () => {
      a.dispose();
      b.dispose();
    },
  };
}
const MATMUL_FLOPS = 2 * 1024 ** 3;

function timeRuns(run: () => void, reps: number): number {
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = now();
    run();
    ms.push(now() - t0);
  }
  return median(ms);
}

const fmt = (s: readonly number[]) => `[${s.join('×')}]`;
const geometryOf = (g: ConvGeometry) =>
  `s${g.stride.join(',')} p${g.padding.map((p) => (Array.isArray(p) ? p.join('') : String(p))).join(',')}`;

/** 2·MACs of a conv call: every output (or output-gradient) element is a dot product over one filter. */
function convFlops(method: string, args: readonly unknown[], out: unknown): number | undefined {
  const wShape = (method === 'convBackpropFilter' ? args[3] : (args[1] as TensorInfo).shape) as number[];
  const yShape =
    method === 'conv' ? (out as TensorInfo).shape : (args[method === 'convBackpropFilter' ? 1 : 0] as TensorInfo).shape;
  return (2 * sizeOf(yShape) * sizeOf(wShape)) / wShape[0]!;
}

interface Site {
  calls: number;
  ms: number;
  flops: number | undefined;
}

/** Times every backend method call and charges it to a call site: method, op and shapes (and the conv geometry). */
function wrapBackend(be: Backend, record: (site: string, ms: number, flops: number | undefined) => void): void {
  const proto = Object.getPrototypeOf(be) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const desc = Object.getOwnPropertyDescriptor(proto, name);
    if (name === 'constructor' || desc?.get || typeof desc?.value !== 'function') continue;
    const fn = desc.value as (...args: unknown[]) => unknown;
    (be as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const t0 = now();
      const out = fn.apply(be, args);
      const ms = now() - t0;
      const isConv = name === 'conv' || name === 'convBackpropInput' || name === 'convBackpropFilter';
      const op = typeof args[0] === 'string' ? `:${args[0]}` : '';
      const shapes = args
        .map((a) => (isTensorInfo(a) ? fmt(a.shape) : ''))
        .filter(Boolean)
        .join(' ');
      const geometry = isConv ? ` ${geometryOf(args[2] as ConvGeometry)}` : '';
      record(`${name}${op} ${shapes}${geometry}`, ms, isConv ? convFlops(name, args, out) : undefined);
      return out;
    };
  }
}

async function profileMode(): Promise<void> {
  const reps = Number(values.reps);
  const { createWasmBackend } = await loadWasmPackage(values.b!);
  for (const threads of values.threads!.split(',').map(Number)) {
    const be = await createWasmBackend({ threads });
    const name = `wasm-profile-${threads}`;
    registerBackend(name, () => be);
    await setBackend(name);
    const sites = new Map<string, Site>();
    let on = false;
    wrapBackend(be, (site, ms, flops) => {
      if (!on) return;
      const e = sites.get(site) ?? { calls: 0, ms: 0, flops: 0 };
      e.calls++;
      e.ms += ms;
      e.flops = e.flops === undefined || flops === undefined ? undefined : e.flops + flops;
      sites.set(site, e);
    });
    const mm = makeMatmul();
    timeRuns(mm.run, 2);
    const mmMs = timeRuns(mm.run, 5);
    const mmGflops = MATMUL_FLOPS / mmMs / 1e6;
    console.log(
      `\n=== ${threads} thread(s), ${values.clock} clock: matmul 1024³ ${mmMs.toFixed(1)} ms, ${mmGflops.toFixed(1)} GFLOP/s`,
    );
    for (const c of selectedCases()) {
      const r = c.make();
      for (let i = 0; i < Number(values.warmup); i++) r.run();
      sites.clear();
      on = true;
      const t0 = now();
      const p = profile(() => {
        for (let i = 0; i < reps; i++) r.run();
      });
      const ms = (now() - t0) / reps;
      on = false;
      const mmAfter = MATMUL_FLOPS / timeRuns(mm.run, 3) / 1e6;
      const gflops = c.flops / ms / 1e6;
      console.log(
        `\n--- ${c.title}: ${ms.toFixed(1)} ms per run (${reps} runs, profiled), ${(c.flops / 1e9).toFixed(2)} GFLOP, ` +
          `${gflops.toFixed(1)} GFLOP/s = ${((100 * gflops) / mmGflops).toFixed(1)}% of matmul ` +
          `(matmul after: ${mmAfter.toFixed(1)} GFLOP/s)`,
      );
      console.log(formatProfile(p, { top: Number(values.top), per: reps }));
      const all = [...sites.entries()];
      const total = all.reduce((s, [, e]) => s + e.ms, 0);
      const convMs = all.filter(([k]) => k.startsWith('conv')).reduce((s, [, e]) => s + e.ms, 0);
      const convFlopsTotal = all.filter(([k]) => k.startsWith('conv')).reduce((s, [, e]) => s + (e.flops ?? 0), 0);
      console.log(
        `backend calls ${(total / reps).toFixed(1)} ms/run; conv calls ${(convMs / reps).toFixed(1)} ms/run ` +
          `(${((100 * convMs) / total).toFixed(1)}%) at ${(convFlopsTotal / convMs / 1e6).toFixed(1)} GFLOP/s ` +
          `= ${((100 * convFlopsTotal) / convMs / 1e6 / mmGflops).toFixed(1)}% of matmul; ` +
          `everything else ${((total - convMs) / reps).toFixed(1)} ms/run`,
      );
      console.log(
        `\n${'share'.padStart(6)} ${'ms/run'.padStart(8)} ${'calls'.padStart(5)} ${'GFLOP/s'.padStart(8)} ${'%mm'.padStart(5)}  call site`,
      );
      for (const [site, e] of all.sort((p, q) => q[1].ms - p[1].ms).slice(0, Number(values.top))) {
        const g = e.flops ? e.flops / e.ms / 1e6 : undefined;
        console.log(
          `${((100 * e.ms) / total).toFixed(1).padStart(5)}% ${(e.ms / reps).toFixed(2).padStart(8)} ${String(e.calls / reps).padStart(5)} ` +
            `${g === undefined ? ''.padStart(8) : g.toFixed(1).padStart(8)} ${g === undefined ? ''.padStart(5) : ((100 * g) / mmGflops).toFixed(0).padStart(5)}  ${site}`,
        );
      }
      r.dispose();
    }
    mm.dispose();
  }
  process.exit(0);
}

async function abMode(): Promise<void> {
  const threadCounts = values.threads!.split(',').map(Number);
  const reps = Number(values.reps);
  const rounds = Number(values.rounds);
  const dirs = values.a === values.b ? [values.a!] : [values.a!, values.b!];
  for (const c of selectedCases()) {
    const configs: {
      label: string;
      name: string;
      run?: ReturnType<Case['make']>;
      mm?: ReturnType<typeof makeMatmul>;
    }[] = [];
    for (const [v, dir] of dirs.entries()) {
      const { createWasmBackend } = await loadWasmPackage(dir);
      for (const threads of threadCounts) {
        const be = await createWasmBackend({ threads });
        const name = `wasm-ab-${c.id}-${v}-${threads}`;
        registerBackend(name, () => be);
        configs.push({ label: `${dirs.length > 1 ? 'AB'[v] : ''} ${threads}t`, name });
      }
    }
    for (const cfg of configs) {
      await setBackend(cfg.name);
      cfg.run = c.make();
      cfg.mm = makeMatmul();
      for (let i = 0; i < Number(values.warmup); i++) {
        cfg.run.run();
        cfg.mm.run();
      }
    }
    const perRound = configs.map(() => [] as number[]);
    const mmRound = configs.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < configs.length; k++) {
        const i = (k + r) % configs.length;
        const cfg = configs[i]!;
        await setBackend(cfg.name);
        perRound[i]!.push(timeRuns(cfg.run!.run, reps));
        mmRound[i]!.push(timeRuns(cfg.mm!.run, 2));
      }
    }
    console.log(`\n${c.title}, ${values.clock} clock: ${rounds} interleaved rounds of ${reps} runs (median per round)`);
    for (const [i, cfg] of configs.entries()) {
      const eff = median(perRound[i]!.map((t, r) => (c.flops / t / (MATMUL_FLOPS / mmRound[i]![r]!)) * 100));
      console.log(
        `  ${cfg.label.padEnd(5)} ${median(perRound[i]!).toFixed(1).padStart(8)} ms  ${(c.flops / median(perRound[i]!) / 1e6).toFixed(1)} GFLOP/s; ` +
          `matmul 1024³ ${(MATMUL_FLOPS / median(mmRound[i]!) / 1e6).toFixed(1)} GFLOP/s; efficiency (median per round) ${eff.toFixed(1)}%`,
      );
    }
    if (dirs.length > 1) {
      const n = threadCounts.length;
      for (let t = 0; t < n; t++)
        console.log(
          `  A/B ${threadCounts[t]}t (speed-up of B): ${median(perRound[t]!.map((x, r) => x / perRound[n + t]![r]!)).toFixed(3)}`,
        );
    }
    for (const cfg of configs) {
      await setBackend(cfg.name);
      cfg.run!.dispose();
      cfg.mm!.dispose();
    }
  }
  process.exit(0);
}

const geometry = (stride: number, pad: number): ConvGeometry => ({
  stride: [stride, stride],
  dilation: [1, 1],
  padding: [
    [pad, pad],
    [pad, pad],
  ],
  groups: 1,
});

interface ConvCase {
  readonly name: string;
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly stride: number;
  readonly pad: number;
}

/** The distinct conv shapes of the two cases (forward at batch 1, training at batch 32). */
const CONV_CASES: readonly ConvCase[] = [
  { name: '224 stem 7×7/2', x: [1, 3, 224, 224], w: [64, 3, 7, 7], stride: 2, pad: 3 },
  { name: '224 l1 3×3 64@56', x: [1, 64, 56, 56], w: [64, 64, 3, 3], stride: 1, pad: 1 },
  { name: '224 l2 3×3/2 64→128', x: [1, 64, 56, 56], w: [128, 64, 3, 3], stride: 2, pad: 1 },
  { name: '224 l2 3×3 128@28', x: [1, 128, 28, 28], w: [128, 128, 3, 3], stride: 1, pad: 1 },
  { name: '224 l2 1×1/2 down', x: [1, 64, 56, 56], w: [128, 64, 1, 1], stride: 2, pad: 0 },
  { name: '224 l3 3×3 256@14', x: [1, 256, 14, 14], w: [256, 256, 3, 3], stride: 1, pad: 1 },
  { name: '224 l4 3×3 512@7', x: [1, 512, 7, 7], w: [512, 512, 3, 3], stride: 1, pad: 1 },
  { name: 'cifar stem 3×3', x: [32, 3, 32, 32], w: [64, 3, 3, 3], stride: 1, pad: 1 },
  { name: 'cifar l1 3×3 64@32', x: [32, 64, 32, 32], w: [64, 64, 3, 3], stride: 1, pad: 1 },
  { name: 'cifar l2 3×3 128@16', x: [32, 128, 16, 16], w: [128, 128, 3, 3], stride: 1, pad: 1 },
  { name: 'cifar l3 3×3 256@8', x: [32, 256, 8, 8], w: [256, 256, 3, 3], stride: 1, pad: 1 },
  { name: 'cifar l4 3×3 512@4', x: [32, 512, 4, 4], w: [512, 512, 3, 3], stride: 1, pad: 1 },
  { name: 'cifar l2 1×1/2 down', x: [32, 64, 32, 32], w: [128, 64, 1, 1], stride: 2, pad: 0 },
];

async function kernelsMode(): Promise<void> {
  const threads = Number(values.threads!.split(',')[0]);
  const reps = Number(values.reps);
  const rounds = Number(values.rounds);
  const dirs = values.a === values.b ? [values.a!] : [values.a!, values.b!];
  const backends: Backend[] = [];
  for (const dir of dirs) backends.push(await (await loadWasmPackage(dir)).createWasmBackend({ threads }));
  const write = (be: Backend, s: readonly number[]): TensorInfo => {
    const v = Float32Array.from({ length: sizeOf(s) }, (_, i) => Math.sin(i * 0.37));
    return { dataId: be.write(v, s, 'float32'), shape: s, dtype: 'float32' };
  };
  console.log(
    `ResNet-18 conv calls, ${threads} thread(s), ${values.clock} clock: ${rounds} rounds × ${reps} calls, median per round`,
  );
  for (const cc of CONV_CASES.filter((k) => k.name.includes(values.only!))) {
    const g = geometry(cc.stride, cc.pad);
    const oh = Math.floor((cc.x[2]! + 2 * cc.pad - cc.w[2]!) / cc.stride) + 1;
    const yShape = [cc.x[0]!, cc.w[0]!, oh, oh];
    const flops = (2 * sizeOf(yShape) * sizeOf(cc.w)) / cc.w[0]!;
    const kinds: [string, (be: Backend, t: TensorInfo[]) => TensorInfo][] = [
      ['forward', (be, [x, w]) => be.conv(x!, w!, g)],
      ['input grad', (be, [, w, dy]) => be.convBackpropInput!(dy!, w!, g, cc.x)],
      ['filter grad', (be, [x, , dy]) => be.convBackpropFilter!(x!, dy!, g, cc.w)],
    ];
    for (const [kind, run] of kinds) {
      if (cc.x[0] === 1 && kind !== 'forward') continue;
      const inputs = backends.map((be) => [write(be, cc.x), write(be, cc.w), write(be, yShape)]);
      const perRound = backends.map(() => [] as number[]);
      for (let r = 0; r < rounds + 1; r++) {
        for (let k = 0; k < backends.length; k++) {
          const i = (k + r) % backends.length;
          const ms: number[] = [];
          for (let s = 0; s < reps; s++) {
            const t0 = now();
            const out = run(backends[i]!, inputs[i]!);
            ms.push(now() - t0);
            backends[i]!.disposeData(out.dataId);
          }
          if (r > 0) perRound[i]!.push(median(ms));
        }
      }
      const cols = perRound
        .map((t) => `${median(t).toFixed(2).padStart(7)} ms ${(flops / median(t) / 1e6).toFixed(1).padStart(5)} GF/s`)
        .join(' | ');
      const ratio =
        backends.length > 1 ? `  A/B ${median(perRound[0]!.map((t, r) => t / perRound[1]![r]!)).toFixed(3)}` : '';
      console.log(`  ${`${cc.name} ${kind}`.padEnd(34)} ${cols}${ratio}`);
      inputs.forEach((ins, i) => {
        for (const t of ins) backends[i]!.disposeData(t.dataId);
      });
    }
  }
  process.exit(0);
}

if (positionals[0] === 'ab') await abMode();
else if (positionals[0] === 'kernels') await kernelsMode();
else await profileMode();
