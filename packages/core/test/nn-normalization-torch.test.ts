// The normalization layers of issue 19 against PyTorch 1.13
// (fixtures/normalization.py wrote fixtures/normalization.json): functional
// batch, instance, layer, group and local response normalization, and the
// layers BatchNorm3d, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm and
// LocalResponseNorm loaded from torch's state dicts, trained for a few steps
// (outputs, gradients, running statistics) and run in eval. Each runs in
// float64 on cpu and float32 on wasm; each op also passes gradcheck and
// gradgradcheck and matches a naive loop written here.
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  type DType,
  ShapeError,
  type Tensor,
  UnknownOptionError,
  batchNorm,
  groupNorm,
  instanceNorm,
  layerNorm,
  localResponseNorm,
  mul,
  ones,
  randn,
  setBackend,
  setSeed,
  sum,
  tensor,
  tidy,
  valueAndGrads,
  variableGrads,
  zeros,
} from '@gradstream/core';
import {
  BatchNorm1d,
  BatchNorm2d,
  BatchNorm3d,
  type FloatDType,
  GroupNorm,
  InstanceNorm1d,
  InstanceNorm2d,
  InstanceNorm3d,
  LayerNorm,
  LocalResponseNorm,
  type Module,
} from '@gradstream/core/nn';
import { gradcheck, gradgradcheck } from '@gradstream/core/testing';
import { type FixtureArray, differenceLog, loadFixture, maxAbsDiff, toTensor } from './torch-fixtures.js';

interface FunctionalCase {
  readonly name: string;
  readonly fn: string;
  readonly args: { normalizedShape?: number[]; numGroups?: number; size?: number } & Record<string, unknown>;
  readonly options: Record<string, unknown>;
  readonly inputs: Record<string, FixtureArray>;
  readonly dy: FixtureArray;
  readonly output: FixtureArray;
  readonly grads: Record<string, FixtureArray>;
  readonly runningAfter?: Record<string, FixtureArray>;
}

interface ModuleCase {
  readonly name: string;
  readonly cls: string;
  readonly args: (number | number[])[];
  readonly options: Record<string, unknown>;
  readonly stateBefore: Record<string, FixtureArray>;
  readonly steps: { x: FixtureArray; y: FixtureArray; dy?: FixtureArray; grads?: Record<string, FixtureArray> }[];
  readonly stateAfter: Record<string, FixtureArray>;
  readonly eval: { x: FixtureArray; y: FixtureArray };
}

const fixture = loadFixture<{ functional: FunctionalCase[]; modules: ModuleCase[] }>('normalization.json');

type Normalize = (i: Record<string, Tensor>, c: FunctionalCase, running: Record<string, Tensor>) => Tensor;
const FUNCTIONS: Record<string, Normalize> = {
  layerNorm: (i, c) => layerNorm(i.x!, c.args.normalizedShape!, { ...c.options, weight: i.weight, bias: i.bias }),
  groupNorm: (i, c) => groupNorm(i.x!, c.args.numGroups!, { ...c.options, weight: i.weight, bias: i.bias }),
  instanceNorm: (i, c) => instanceNorm(i.x!, { ...c.options, weight: i.weight, bias: i.bias }),
  batchNorm: (i, c, r) => batchNorm(i.x!, { ...c.options, ...r, weight: i.weight, bias: i.bias }),
  localResponseNorm: (i, c) => localResponseNorm(i.x!, c.args.size!, c.options),
};

const LAYERS: Record<string, (c: ModuleCase, dtype: FloatDType) => Module> = {
  BatchNorm2d: (c, dtype) => new BatchNorm2d(c.args[0] as number, { ...c.options, dtype }),
  BatchNorm3d: (c, dtype) => new BatchNorm3d(c.args[0] as number, { ...c.options, dtype }),
  InstanceNorm1d: (c, dtype) => new InstanceNorm1d(c.args[0] as number, { ...c.options, dtype }),
  InstanceNorm2d: (c, dtype) => new InstanceNorm2d(c.args[0] as number, { ...c.options, dtype }),
  InstanceNorm3d: (c, dtype) => new InstanceNorm3d(c.args[0] as number, { ...c.options, dtype }),
  LayerNorm: (c, dtype) => new LayerNorm(c.args[0]!, { ...c.options, dtype }),
  GroupNorm: (c, dtype) => new GroupNorm(c.args[0] as number, c.args[1] as number, { ...c.options, dtype }),
  LocalResponseNorm: (c) => new LocalResponseNorm(c.args[0] as number, c.options),
};

const record = differenceLog('normalization');

/** The bound a float32 run must meet: it rounds the inputs themselves, so it scales with the values compared. */
const bound = (tol: number, arrays: FixtureArray[]): number =>
  tol * Math.max(1, ...arrays.flatMap((a) => a.data.map(Math.abs)));

function runFunctional(c: FunctionalCase, dtype: DType): number {
  return tidy(() => {
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, toTensor(v, dtype)]));
    const running: Record<string, Tensor> = {};
    for (const key of ['runningMean', 'runningVar'] as const) {
      const a = c.args[key] as FixtureArray | undefined;
      if (a) running[key] = toTensor(a, dtype);
    }
    const names = Object.keys(inputs);
    const { value, grads } = valueAndGrads((...xs: Tensor[]) => {
      const named = Object.fromEntries(names.map((n, i) => [n, xs[i]!]));
      return sum(mul(FUNCTIONS[c.fn]!(named, c, running), toTensor(c.dy, dtype)));
    })(names.map((n) => inputs[n]!));
    expect(value.rank).toBe(0);
    // the gradient pass above updated the running statistics once; run the forward on fresh copies
    const fresh: Record<string, Tensor> = Object.fromEntries(
      Object.entries(running).map(([k]) => [k, toTensor(c.args[k] as FixtureArray, dtype)]),
    );
    const y = FUNCTIONS[c.fn]!(inputs, c, fresh);
    const diffs = [maxAbsDiff(y, c.output), ...names.map((n, i) => maxAbsDiff(grads[i]!, c.grads[n]!))];
    for (const [k, a] of Object.entries(c.runningAfter ?? {})) diffs.push(maxAbsDiff(fresh[k]!, a));
    return Math.max(...diffs);
  });
}

function stateOf(sd: Record<string, FixtureArray>, dtype: DType): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, toTensor(v, dtype)]));
}

/** Loads torch's state, trains for the recorded steps and evaluates: the largest difference seen. */
function runModule(c: ModuleCase, dtype: FloatDType): number {
  return tidy(() => {
    const m = LAYERS[c.cls]!(c, dtype);
    expect([...m.stateDict().keys()].sort()).toEqual(Object.keys(c.stateBefore).sort());
    m.loadStateDict(stateOf(c.stateBefore, dtype));
    m.train();
    const diffs: number[] = [];
    for (const step of c.steps) {
      const x = toTensor(step.x, dtype);
      if (!step.grads) {
        diffs.push(maxAbsDiff(m.call(x), step.y));
        continue;
      }
      const params = m.namedParameters();
      const { grads } = variableGrads(() => {
        const y = m.call(x);
        diffs.push(maxAbsDiff(y, step.y));
        return sum(mul(y, toTensor(step.dy!, dtype)));
      }, [x, ...params.map(([, p]) => p)]);
      const names = ['x', ...params.map(([n]) => n)];
      expect([...names].sort()).toEqual(Object.keys(step.grads).sort());
      names.forEach((n, i) => {
        diffs.push(maxAbsDiff(grads[i]!, step.grads![n]!));
      });
    }
    const sd = m.stateDict();
    for (const [k, a] of Object.entries(c.stateAfter)) diffs.push(maxAbsDiff(sd.get(k)!, a));
    m.eval();
    diffs.push(maxAbsDiff(m.call(toTensor(c.eval.x, dtype)), c.eval.y));
    m.dispose();
    return Math.max(...diffs);
  });
}

describe.each([
  ['cpu', 'float64', 1e-12],
  ['wasm', 'float32', 2e-5],
] as const)('normalization against PyTorch 1.13 on %s (%s)', (backend, dtype, tol) => {
  beforeAll(() => setBackend(backend));
  afterAll(() => setBackend('cpu'));

  it.each([...new Set(fixture.functional.map((c) => c.fn))])('%s: outputs, gradients, running statistics', (fn) => {
    for (const c of fixture.functional.filter((k) => k.fn === fn)) {
      const worst = record(`${fn} (${backend} ${dtype})`, runFunctional(c, dtype));
      expect(worst, c.name).toBeLessThan(bound(tol, [c.output, ...Object.values(c.grads)]));
    }
  });

  it.each([...new Set(fixture.modules.map((c) => c.cls))])(
    '%s: torch state dict, training steps, running statistics, eval',
    (cls) => {
      for (const c of fixture.modules.filter((k) => k.cls === cls)) {
        const worst = record(`${cls} (${backend} ${dtype})`, runModule(c, dtype));
        const arrays = c.steps.flatMap((s) => [s.y, ...Object.values(s.grads ?? {})]);
        expect(worst, c.name).toBeLessThan(bound(tol, [...arrays, c.eval.y]));
      }
    },
  );
});

const f64 = (shape: number[], scale = 1): Tensor => tidy(() => mul(randn(shape, 0, 1, 'float64'), scale));

describe('normalization gradients of first and second order (float64, cpu)', () => {
  beforeAll(() => {
    setBackend('cpu');
    setSeed(19);
  });

  it('layerNorm and groupNorm in input, weight and bias', () => {
    const x = f64([2, 3, 4]);
    const ln = (xi: Tensor, w: Tensor, b: Tensor) => layerNorm(xi, [4], { weight: w, bias: b });
    expect(gradcheck(ln, [x, f64([4]), f64([4])])).toBe(true);
    expect(gradgradcheck(ln, [x, f64([4]), f64([4])])).toBe(true);
    const gn = (xi: Tensor, w: Tensor, b: Tensor) => groupNorm(xi, 3, { weight: w, bias: b });
    const g = f64([2, 6, 2]);
    expect(gradcheck(gn, [g, f64([6]), f64([6])])).toBe(true);
    expect(gradgradcheck(gn, [g, f64([6]), f64([6])])).toBe(true);
  });

  it('instanceNorm and batchNorm (training) in input, weight and bias', () => {
    const x = f64([2, 3, 4]);
    const inorm = (xi: Tensor, w: Tensor, b: Tensor) => instanceNorm(xi, { weight: w, bias: b });
    expect(gradcheck(inorm, [x, f64([3]), f64([3])])).toBe(true);
    expect(gradgradcheck(inorm, [x, f64([3]), f64([3])])).toBe(true);
    const bn = (xi: Tensor, w: Tensor, b: Tensor) => batchNorm(xi, { weight: w, bias: b, training: true });
    expect(gradcheck(bn, [x, f64([3]), f64([3])])).toBe(true);
    expect(gradgradcheck(bn, [x, f64([3]), f64([3])])).toBe(true);
  });

  it('localResponseNorm, also with a window wider than the channels', () => {
    const x = f64([1, 5, 2, 2], 2);
    for (const size of [3, 4, 7]) {
      const f = (xi: Tensor) => localResponseNorm(xi, size, { alpha: 0.5, beta: 0.75, k: 1.5 });
      expect(gradcheck(f, [x])).toBe(true);
      expect(gradgradcheck(f, [x])).toBe(true);
    }
  });
});

/** Naive loops over flat arrays, for shapes N×C×S (S the flattened spatial size). */
const naive = {
  /** Normalizes each run of `len` consecutive values. */
  standardizeRuns(v: ArrayLike<number>, len: number, eps: number): number[] {
    const out: number[] = [];
    for (let s = 0; s < v.length; s += len) {
      const run = Array.from({ length: len }, (_, i) => v[s + i]!);
      const mu = run.reduce((a, b) => a + b, 0) / len;
      const variance = run.reduce((a, b) => a + (b - mu) ** 2, 0) / len;
      for (const r of run) out.push((r - mu) / Math.sqrt(variance + eps));
    }
    return out;
  },
  lrn(v: ArrayLike<number>, [n, c, s]: number[], size: number, alpha: number, beta: number, k: number): number[] {
    const out: number[] = [];
    for (let b = 0; b < n!; b++)
      for (let ch = 0; ch < c!; ch++)
        for (let p = 0; p < s!; p++) {
          let acc = 0;
          for (let j = ch - Math.floor(size / 2); j <= ch + Math.floor((size - 1) / 2); j++)
            if (j >= 0 && j < c!) acc += v[(b * c! + j) * s! + p]! ** 2;
          out.push(v[(b * c! + ch) * s! + p]! / (k + (alpha / size) * acc) ** beta);
        }
    return out;
  },
};

describe('normalization against naive loops (float64, cpu)', () => {
  beforeAll(() => setBackend('cpu'));
  const close = (got: Tensor, want: number[]) => {
    const g = got.dataSync();
    want.forEach((w, i) => {
      expect(g[i]).toBeCloseTo(w, 12);
    });
  };

  it('groupNorm, instanceNorm and layerNorm normalize the runs a flat loop sees', () => {
    tidy(() => {
      const x = f64([2, 6, 5], 3);
      const v = x.dataSync();
      close(groupNorm(x, 3), naive.standardizeRuns(v, 10, 1e-5));
      close(groupNorm(x, 1), naive.standardizeRuns(v, 30, 1e-5));
      close(instanceNorm(x), naive.standardizeRuns(v, 5, 1e-5));
      close(layerNorm(x, [6, 5], { eps: 1e-3 }), naive.standardizeRuns(v, 30, 1e-3));
    });
  });

  it('localResponseNorm sums squares over the channel window', () => {
    tidy(() => {
      const x = f64([2, 7, 3], 3);
      for (const size of [1, 2, 5, 9]) {
        close(
          localResponseNorm(x, size, { alpha: 0.3, beta: 0.8, k: 1.2 }),
          naive.lrn(x.dataSync(), [2, 7, 3], size, 0.3, 0.8, 1.2),
        );
      }
    });
  });
});

describe('normalization options and errors', () => {
  beforeAll(() => setBackend('cpu'));

  it('every layer and function rejects an unknown option key, naming itself', () => {
    const x = ones([2, 4, 3]);
    const calls: [string, () => unknown][] = [
      ['BatchNorm1d', () => new BatchNorm1d(4, { track_running_stats: false } as never)],
      ['BatchNorm3d', () => new BatchNorm3d(4, { momentun: 0.1 } as never)],
      ['InstanceNorm2d', () => new InstanceNorm2d(4, { affline: true } as never)],
      ['LayerNorm', () => new LayerNorm(3, { affine: true } as never)],
      ['GroupNorm', () => new GroupNorm(2, 4, { elementwiseAffine: true } as never)],
      ['LocalResponseNorm', () => new LocalResponseNorm(3, { bias: 1 } as never)],
      ['batchNorm', () => batchNorm(x, { train: true } as never)],
      ['instanceNorm', () => instanceNorm(x, { affine: true } as never)],
      ['layerNorm', () => layerNorm(x, 3, { elementwiseAffine: false } as never)],
      ['groupNorm', () => groupNorm(x, 2, { affine: false } as never)],
      ['localResponseNorm', () => localResponseNorm(x, 3, { size: 3 } as never)],
    ];
    for (const [name, call] of calls) {
      expect(call).toThrow(UnknownOptionError);
      expect(call).toThrow(new RegExp(`^${name}: unknown option '\\w+'; accepted: `));
    }
  });

  it('refuses bad groups, shapes and statistics with typed errors naming the op and the shapes', () => {
    const x = ones([2, 4, 3]);
    expect(() => new GroupNorm(3, 4)).toThrow(ArgumentError);
    expect(() => groupNorm(x, 3)).toThrow(/^groupNorm: numGroups must be a positive integer dividing the 4 channels/);
    expect(() => layerNorm(x, [4])).toThrow(
      /^layerNorm: normalizedShape \[4\] must be the trailing axes of .*\[2,4,3\]/,
    );
    expect(() => new InstanceNorm2d(4).call(x)).toThrow(ShapeError);
    expect(() => instanceNorm(ones([2, 4, 1]))).toThrow(/more than one spatial value per channel/);
    expect(() => batchNorm(x, { runningMean: zeros([4]) })).toThrow(/runningMean and runningVar go together/);
    expect(() => batchNorm(x, { runningMean: zeros([3]), runningVar: ones([3]) })).toThrow(
      /^batchNorm: runningMean must have shape \[4\], got \[3\]/,
    );
    expect(() => localResponseNorm(ones([2, 4]), 3)).toThrow(ShapeError);
  });

  it('InstanceNorm with running statistics normalizes by them in eval and leaves num_batches_tracked at 0, as torch', () => {
    tidy(() => {
      const m = new InstanceNorm1d(2, { trackRunningStats: true, dtype: 'float64' });
      m.call(tensor(new Float64Array([1, 2, 3, 4, 10, 20, 30, 40]), [1, 2, 4]));
      const sd = m.stateDict();
      expect(sd.get('num_batches_tracked')!.item()).toBe(0);
      expect([...sd.get('running_mean')!.dataSync()]).toEqual([0.25, 2.5].map((v) => expect.closeTo(v, 12)));
      m.eval();
      const y = m.call(tensor(new Float64Array([0.25, 0.25, 2.5, 2.5]), [1, 2, 2]));
      expect([...y.dataSync()]).toEqual([0, 0, 0, 0].map((v) => expect.closeTo(v, 12)));
    });
  });
});
