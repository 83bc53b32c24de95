/** The issue's target ratios, judged on figures measured in this run. */
import type { ContenderId } from './contenders.js';
import type { CaseResult } from './harness.js';
import { speedup } from './print.js';
import { log } from './report.js';

interface Target {
  readonly text: string;
  readonly key: string;
  /** Each is judged on its own: [contender, reference]. */
  readonly pairs: readonly (readonly [ContenderId, ContenderId])[];
  readonly atLeast: number;
}

const THREADS: Record<string, string> = { 'gs-wasm-1t': '1 thread', 'gs-wasm-2t': '2 threads' };
const BOTH: readonly (readonly [ContenderId, ContenderId])[] = [
  ['gs-wasm-1t', 'tfjs-wasm'],
  ['gs-wasm-2t', 'tfjs-wasm'],
];

const TARGETS: readonly Target[] = [
  { text: 'matmul 1024³, 1 thread ≥ tfjs-wasm', key: 'matmul/1024', pairs: [['gs-wasm-1t', 'tfjs-wasm']], atLeast: 1 },
  // The issue's "≥ 1.8× that at 2 threads" reads most naturally as 1.8× tfjs-wasm;
  // the stricter reading, 1.8× our own single thread, is judged too.
  {
    text: 'matmul 1024³, 2 threads ≥ 1.8× tfjs-wasm',
    key: 'matmul/1024',
    pairs: [['gs-wasm-2t', 'tfjs-wasm']],
    atLeast: 1.8,
  },
  {
    text: 'matmul 1024³, 2 threads ≥ 1.8× 1 thread (strict)',
    key: 'matmul/1024',
    pairs: [['gs-wasm-2t', 'gs-wasm-1t']],
    atLeast: 1.8,
  },
  { text: 'conv forward, CIFAR layer ≥ tfjs-wasm', key: 'conv/cifar-forward', pairs: BOTH, atLeast: 1 },
  { text: 'conv forward, ResNet layer ≥ tfjs-wasm', key: 'conv/resnet-forward', pairs: BOTH, atLeast: 1 },
  { text: 'LeNet-5 step ≥ 5× tfjs-wasm (composed)', key: 'train/lenet5-step', pairs: BOTH, atLeast: 5 },
  { text: 'ResNet-18 CIFAR step ≥ 5× tfjs-wasm (composed)', key: 'train/resnet18-cifar-step', pairs: BOTH, atLeast: 5 },
  {
    text: 'ResNet-18 224 forward, 2 threads ≥ 2× tfjs-wasm',
    key: 'resnet/resnet18-224-forward',
    pairs: [['gs-wasm-2t', 'tfjs-wasm']],
    atLeast: 2,
  },
];

export function printTargets(results: ReadonlyMap<string, CaseResult>): void {
  log('\n== targets (ratio = reference time / gradstream time, measured in this run) ==');
  for (const t of TARGETS) {
    const result = results.get(t.key);
    if (!result) continue;
    const verdicts = t.pairs.map(([c, ref]) => {
      const find = (id: ContenderId) => result.measurements.find((m) => m.contender === id);
      const r = speedup(find(c), find(ref));
      const verdict =
        r.value === undefined
          ? 'UNKNOWN (no figure for one side)'
          : `${r.text}× ${r.value >= t.atLeast ? 'MET' : 'NOT MET'}`;
      return `${t.pairs.length > 1 ? `${THREADS[c]}: ` : ''}${verdict}`;
    });
    log(`  ${t.text.padEnd(50)} ${verdicts.join('; ')}`);
  }
}
