import fc from 'fast-check';
import type {
  ArgReduceOp,
  AvgPoolGeometry,
  Backend,
  BinaryOp,
  ConvGeometry,
  OptimizerStepEntry,
  OptimizerStepRule,
  ReduceOp,
  UnaryOp,
  WindowGeometry,
} from '../backend/contract.js';
import type { DType, Shape, TensorInfo, TypedArray } from '../backend/types.js';
import { initBackend } from '../backend/registry.js';
import { composedConvBackpropFilter, composedConvBackpropInput } from '../ops/conv.js';
import { composedMaxPoolBackward, composedReluBackward } from '../ops/fused.js';
import { referenceOptimizerStep } from './optimizer-step-reference.js';
import { referenceSoftmaxCrossEntropy, referenceSoftmaxCrossEntropyBackward } from './cross-entropy-reference.js';
import {
  referenceBatchNormBackward,
  referenceBatchNormInference,
  referenceBatchNormTraining,
} from './batch-norm-reference.js';
import { convOutputSize } from '../ops/conv-geometry.js';
import { Random } from '../tensor/random.js';
import { sizeOf } from '../tensor/shape.js';
import { fmtShape, GradstreamError } from '../util/errors.js';
import { broadcastableShapesArb, convCaseArb, poolCaseArb, shapeArb } from './arbitraries.js';
import { checkOptions } from '../util/options.js';

/** One kernel's conformance check; `run` throws a ConformanceError on the first mismatch. */
export interface ConformanceCase {
  readonly kernel: string;
  run(): Promise<void>;
}

/** Options of the conformance suite. */
export interface ConformanceOptions {
  /** The backend everything is compared with (default 'cpu'). */
  readonly reference?: string;
  /** fast-check runs per kernel (default 25). */
  readonly numRuns?: number;
  /** fast-check seed, for reproducible runs. */
  readonly seed?: number;
  /** Relative tolerance for float32 results (default 1e-4, scaled by the reduction length). */
  readonly rtol?: number;
}

/** A kernel result that disagrees with the reference backend. */
export class ConformanceError extends GradstreamError {}

type Make = (b: Backend) => TensorInfo;

/** Inputs are generated once as host arrays, then written to each backend. */
function input(
  shape: Shape,
  dtype: DType,
  seed: number,
  kind: 'normal' | 'positive' | 'int' | 'bool' = 'normal',
  range = 4,
): Make {
  const r = new Random(seed);
  const n = sizeOf(shape);
  const values: TypedArray =
    dtype === 'int32'
      ? new Int32Array(n)
      : dtype === 'bool'
        ? new Uint8Array(n)
        : dtype === 'float64'
          ? new Float64Array(n)
          : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === 'bool' || dtype === 'bool') values[i] = r.int(2);
    else if (kind === 'int' || dtype === 'int32') values[i] = r.int(range);
    else if (kind === 'positive') values[i] = 0.1 + 2 * r.next();
    else values[i] = r.normal();
  }
  return (b) => ({ dataId: b.write(values, shape, dtype), shape, dtype });
}

function compare(
  kernel: string,
  detail: string,
  expected: TensorInfo,
  ref: Backend,
  actual: TensorInfo,
  sub: Backend,
  rtol: number,
): void {
  if (
    expected.dtype !== actual.dtype ||
    expected.shape.length !== actual.shape.length ||
    expected.shape.some((d, i) => d !== actual.shape[i])
  ) {
    throw new ConformanceError(
      kernel,
      `${detail}: expected ${fmtShape(expected.shape)} ${expected.dtype}, got ${fmtShape(actual.shape)} ${actual.dtype}`,
    );
  }
  const e = ref.readSync(expected.dataId, expected.dtype);
  const a = sub.readSync(actual.dataId, actual.dtype);
  let scale = 0;
  for (let i = 0; i < e.length; i++) if (Number.isFinite(e[i]!)) scale = Math.max(scale, Math.abs(e[i]!));
  for (let i = 0; i < e.length; i++) {
    const x = e[i]!;
    const y = a[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (x === y) continue;
    const tol = rtol * Math.max(1, Math.abs(x), scale * 1e-2);
    if (!(Math.abs(x - y) <= tol)) {
      throw new ConformanceError(
        kernel,
        `${detail}: element ${i} of ${fmtShape(expected.shape)} is ${y}, reference ${x}`,
      );
    }
  }
}

/** The inputs a kernel is fed: any normal sample, positive values only (log, sqrt, pow's base), or none at all. */
type Domain = 'normal' | 'positive' | null;

/** How the kit feeds one elementwise op, per dtype core may call it with (`null`: core never sends that dtype). */
interface ElementwiseCase {
  readonly float32: Domain;
  readonly int32: boolean;
  readonly bool: boolean;
}

/**
 * One entry per op of the contract: the tables are typed over `UnaryOp` and
 * `BinaryOp`, so an op added to the contract without a case here does not
 * compile, and the kit can never silently skip a kernel.
 */
const unaryCases: Record<UnaryOp, ElementwiseCase> = {
  neg: { float32: 'normal', int32: true, bool: false },
  abs: { float32: 'normal', int32: true, bool: false },
  sign: { float32: 'normal', int32: true, bool: false },
  square: { float32: 'normal', int32: true, bool: false },
  sqrt: { float32: 'positive', int32: false, bool: false },
  rsqrt: { float32: 'positive', int32: false, bool: false },
  reciprocal: { float32: 'positive', int32: false, bool: false },
  exp: { float32: 'normal', int32: false, bool: false },
  expm1: { float32: 'normal', int32: false, bool: false },
  log: { float32: 'positive', int32: false, bool: false },
  log1p: { float32: 'positive', int32: false, bool: false },
  sin: { float32: 'normal', int32: false, bool: false },
  cos: { float32: 'normal', int32: false, bool: false },
  tanh: { float32: 'normal', int32: false, bool: false },
  sigmoid: { float32: 'normal', int32: false, bool: false },
  relu: { float32: 'normal', int32: true, bool: false },
  floor: { float32: 'normal', int32: false, bool: false },
  ceil: { float32: 'normal', int32: false, bool: false },
  round: { float32: 'normal', int32: false, bool: false },
  // Core casts bool to int32 for every other unary op, so logicalNot is the only bool unary kernel call.
  logicalNot: { float32: null, int32: false, bool: true },
};

/** See `unaryCases`. Logical ops take bool operands only; `div` and `pow` are exercised on floats. */
const binaryCases: Record<BinaryOp, ElementwiseCase> = {
  add: { float32: 'normal', int32: true, bool: false },
  sub: { float32: 'normal', int32: true, bool: false },
  mul: { float32: 'normal', int32: true, bool: false },
  div: { float32: 'normal', int32: false, bool: false },
  pow: { float32: 'positive', int32: false, bool: false },
  maximum: { float32: 'normal', int32: true, bool: false },
  minimum: { float32: 'normal', int32: true, bool: false },
  equal: { float32: 'normal', int32: true, bool: false },
  notEqual: { float32: 'normal', int32: true, bool: false },
  greater: { float32: 'normal', int32: true, bool: false },
  greaterEqual: { float32: 'normal', int32: true, bool: false },
  less: { float32: 'normal', int32: true, bool: false },
  lessEqual: { float32: 'normal', int32: true, bool: false },
  logicalAnd: { float32: null, int32: false, bool: true },
  logicalOr: { float32: null, int32: false, bool: true },
};

/** The ops of a table that take `dtype`. */
function opsFor<Op extends string>(table: Record<Op, ElementwiseCase>, dtype: 'float32' | 'int32' | 'bool'): Op[] {
  return (Object.keys(table) as Op[]).filter((op) =>
    dtype === 'float32' ? table[op].float32 !== null : table[op][dtype],
  );
}

/** Every value of ReduceOp and ArgReduceOp, typed the same way. */
const reduceOps: Record<ReduceOp, true> = { sum: true, max: true, min: true };
const argReduceOps: Record<ArgReduceOp, true> = { argmax: true, argmin: true };

/** The kernel methods of the contract (everything but its name, dtypes and storage). */
type KernelMethod = Exclude<
  keyof Backend,
  'name' | 'dtypes' | 'write' | 'readSync' | 'read' | 'disposeData' | 'memory' | 'dispose'
>;

/**
 * The case that exercises each kernel method. Typed over the contract, so a
 * kernel added to `Backend` without a case here does not compile; a test
 * checks that every name it gives is a case the suite returns.
 */
export const kernelCases: Readonly<Record<KernelMethod, readonly string[]>> = {
  unary: ['unary', 'unary int32', 'unary bool'],
  binary: ['binary', 'binary int32/bool'],
  where: ['where'],
  cast: ['cast', 'cast float64'],
  reluBackward: ['reluBackward (optional fused)'],
  batchNormTraining: ['batchNormTraining / batchNormBackward (optional fused)'],
  batchNormBackward: ['batchNormTraining / batchNormBackward (optional fused)'],
  batchNormInference: ['batchNormInference (optional fused)'],
  reduce: ['reduce'],
  argReduce: ['argReduce'],
  matmul: ['matmul'],
  transpose: ['transpose'],
  slice: ['slice'],
  pad: ['pad'],
  concat: ['concat'],
  gather: ['gather/scatterAdd'],
  scatterAdd: ['gather/scatterAdd'],
  conv: ['conv / convBackpropInput / convBackpropFilter'],
  convBackpropInput: ['conv / convBackpropInput / convBackpropFilter'],
  convBackpropFilter: ['conv / convBackpropInput / convBackpropFilter'],
  unfold: ['unfold/fold'],
  fold: ['unfold/fold'],
  maxPool: ['maxPool'],
  maxPoolBackward: ['maxPoolBackward (optional fused)'],
  optimizerStep: ['optimizerStep (optional fused)'],
  softmaxCrossEntropy: ['softmaxCrossEntropy / softmaxCrossEntropyBackward (optional fused)'],
  softmaxCrossEntropyBackward: ['softmaxCrossEntropy / softmaxCrossEntropyBackward (optional fused)'],
  avgPool: ['avgPool / avgPoolBackward'],
  avgPoolBackward: ['avgPool / avgPoolBackward'],
};

/**
 * The backend conformance suite: every kernel of the contract, run on the
 * backend under test and on the CPU reference with the same fast-check
 * generated inputs, compared with float32 tolerances. Runner-agnostic: each
 * case is a named async function.
 *
 * @example
 * ```ts
 * import { backendConformance } from '@gradstream/core/testing';
 * import '@gradstream/backend-cpu';
 * import 'my-backend';
 * for (const c of backendConformance('mine')) it(c.kernel, c.run);
 * ```
 */
export function backendConformance(name: string, options: ConformanceOptions = {}): ConformanceCase[] {
  checkOptions('backendConformance', options, ['reference', 'numRuns', 'seed', 'rtol']);
  const numRuns = options.numRuns ?? 25;
  const rtol = options.rtol ?? 1e-4;
  const seedArb = fc.integer({ min: 0, max: 2 ** 30 });

  /** Runs a property that builds inputs, calls the kernel on both backends and compares. */
  const check = <T>(
    kernel: string,
    arb: fc.Arbitrary<T>,
    body: (
      value: T,
      run: (f: (b: Backend, xs: TensorInfo[]) => TensorInfo | TensorInfo[], makes: Make[], tol?: number) => void,
    ) => void,
  ): ConformanceCase => ({
    kernel,
    async run() {
      const sub = await initBackend(name);
      const ref = await initBackend(options.reference ?? 'cpu');
      const details = fc.check(
        fc.property(arb, (value) => {
          body(value, (f, makes, tol = rtol) => {
            const on = (b: Backend): TensorInfo[] => {
              const xs = makes.map((m) => m(b));
              try {
                const out = f(b, xs);
                return Array.isArray(out) ? out : [out];
              } finally {
                for (const x of xs) b.disposeData(x.dataId);
              }
            };
            const expected = on(ref);
            const actual = on(sub);
            try {
              expected.forEach((e, i) => {
                compare(kernel, JSON.stringify(value), e, ref, actual[i]!, sub, tol);
              });
            } finally {
              for (const e of expected) ref.disposeData(e.dataId);
              for (const a of actual) sub.disposeData(a.dataId);
            }
          });
        }),
        { numRuns, seed: options.seed },
      );
      if (details.failed) {
        const cause =
          details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        throw new ConformanceError(
          kernel,
          `backend '${name}' disagrees with '${options.reference ?? 'cpu'}' (fast-check seed ${details.seed}, path ${details.counterexamplePath}): ${cause}`,
        );
      }
    },
  });

  /** float64 is optional in the contract (`dtypes`): a backend that does not store it passes such a case without running it. */
  const whenFloat64 = (c: ConformanceCase): ConformanceCase => ({
    kernel: c.kernel,
    async run() {
      if ((await initBackend(name)).dtypes.includes('float64')) await c.run();
    },
  });

  const cases: ConformanceCase[] = [];

  cases.push(
    check(
      'unary',
      fc.tuple(fc.constantFrom(...opsFor(unaryCases, 'float32')), shapeArb({ maxRank: 4, maxDim: 9 }), seedArb),
      ([op, shape, seed], run) => {
        run((b, [x]) => b.unary(op, x!), [input(shape, 'float32', seed, unaryCases[op].float32 ?? 'normal')]);
      },
    ),
  );
  cases.push(
    check(
      'unary int32',
      fc.tuple(fc.constantFrom(...opsFor(unaryCases, 'int32')), shapeArb(), seedArb),
      ([op, shape, seed], run) => {
        run((b, [x]) => b.unary(op, x!), [input(shape, 'int32', seed, 'int', 7)]);
      },
    ),
  );
  cases.push(
    check(
      'unary bool',
      fc.tuple(fc.constantFrom(...opsFor(unaryCases, 'bool')), shapeArb(), seedArb),
      ([op, shape, seed], run) => {
        run((b, [x]) => b.unary(op, x!), [input(shape, 'bool', seed)]);
      },
    ),
  );
  cases.push(
    check(
      'binary',
      fc.tuple(
        fc.constantFrom(...opsFor(binaryCases, 'float32')),
        broadcastableShapesArb({ maxRank: 4, maxDim: 6 }),
        seedArb,
      ),
      ([op, [sa, sb], seed], run) => {
        const kind = binaryCases[op].float32 ?? 'normal';
        run(
          (b, [x, y]) => b.binary(op, x!, y!),
          [input(sa, 'float32', seed, kind), input(sb, 'float32', seed + 1, kind)],
        );
      },
    ),
  );
  cases.push(
    check(
      'binary int32/bool',
      fc.tuple(
        fc.constantFrom(...opsFor(binaryCases, 'int32'), ...opsFor(binaryCases, 'bool')),
        broadcastableShapesArb(),
        seedArb,
      ),
      ([op, [sa, sb], seed], run) => {
        const dtype: DType = binaryCases[op].int32 ? 'int32' : 'bool';
        run(
          (b, [x, y]) => b.binary(op, x!, y!),
          [input(sa, dtype, seed, 'int', 5), input(sb, dtype, seed + 1, 'int', 5)],
        );
      },
    ),
  );
  // A backend without the fused kernel runs the composition on both sides; x drawn from {0, 1, 2}
  // puts exact zeros (where the gradient is 0) into the input.
  cases.push(
    check(
      'reluBackward (optional fused)',
      fc.tuple(shapeArb({ maxRank: 4, maxDim: 9 }), fc.constantFrom('normal' as const, 'int' as const), seedArb),
      ([shape, xKind, seed], run) => {
        run(
          (b, [dy, x]) => (b.reluBackward ? b.reluBackward(dy!, x!) : composedReluBackward(b, dy!, x!)),
          [input(shape, 'float32', seed), input(shape, 'float32', seed + 1, xKind, 3)],
        );
      },
    ),
  );
  // A backend without the pair passes without running it: core never calls half of it or either alone.
  const batchNorm = check(
    'batchNormTraining / batchNormBackward (optional fused)',
    fc.tuple(
      shapeArb({ minRank: 2, maxRank: 4, maxDim: 7 }).filter((shape) => sizeOf(shape) / shape[1]! >= 2),
      fc.boolean(),
      fc.boolean(),
      fc.constantFrom(1e-5, 1e-3),
      seedArb,
    ),
    ([shape, withWeight, withBias, eps, seed], run) => {
      const c = shape[1]!;
      const makes = [
        input(shape, 'float32', seed),
        input([c], 'float32', seed + 1, 'positive'),
        input([c], 'float32', seed + 2),
        input(shape, 'float32', seed + 3),
      ];
      const forward = (b: Backend, x: TensorInfo, w: TensorInfo, bias: TensorInfo) => {
        const [weight, shift] = [withWeight ? w : null, withBias ? bias : null];
        return b.batchNormTraining
          ? b.batchNormTraining(x, weight, shift, eps)
          : referenceBatchNormTraining(b, x, weight, shift, eps);
      };
      run((b, [x, w, bias]) => {
        const r = forward(b, x!, w!, bias!);
        return [r.y, r.mean, r.variance];
      }, makes);
      run(
        (b, [x, w, bias, dy]) => {
          const { y, mean, variance } = forward(b, x!, w!, bias!);
          b.disposeData(y.dataId);
          try {
            const weight = withWeight ? w! : null;
            const g = b.batchNormBackward
              ? b.batchNormBackward(dy!, x!, mean, variance, weight, eps)
              : referenceBatchNormBackward(b, dy!, x!, mean, variance, weight, eps);
            return [g.dx, g.dWeight, g.dBias];
          } finally {
            b.disposeData(mean.dataId);
            b.disposeData(variance.dataId);
          }
        },
        makes,
        rtol * 10,
      );
    },
  );
  cases.push({
    kernel: batchNorm.kernel,
    async run() {
      const sub = await initBackend(name);
      if (sub.batchNormTraining && sub.batchNormBackward) await batchNorm.run();
      else if (sub.batchNormTraining || sub.batchNormBackward)
        throw new ConformanceError(batchNorm.kernel, `backend '${name}' has one of the pair without the other`);
    },
  });
  // A backend without the kernel runs the float64 loop on both sides. The variance is drawn positive,
  // as running variances are; x comes from anywhere, mean too.
  cases.push(
    check(
      'batchNormInference (optional fused)',
      fc.tuple(
        shapeArb({ minRank: 2, maxRank: 4, maxDim: 7 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(1e-5, 1e-3),
        seedArb,
      ),
      ([shape, withWeight, withBias, eps, seed], run) => {
        const c = shape[1]!;
        run(
          (b, [x, mean, variance, w, bias]) => {
            const [weight, shift] = [withWeight ? w! : null, withBias ? bias! : null];
            return b.batchNormInference
              ? b.batchNormInference(x!, mean!, variance!, weight, shift, eps)
              : referenceBatchNormInference(b, x!, mean!, variance!, weight, shift, eps);
          },
          [
            input(shape, 'float32', seed),
            input([c], 'float32', seed + 1),
            input([c], 'float32', seed + 2, 'positive'),
            input([c], 'float32', seed + 3),
            input([c], 'float32', seed + 4),
          ],
        );
      },
    ),
  );
  cases.push(
    check('where', fc.tuple(broadcastableShapesArb(), seedArb), ([[sa, sb], seed], run) => {
      run(
        (b, [c, x, y]) => b.where(c!, x!, y!),
        [input(sa, 'bool', seed), input(sb, 'float32', seed + 1), input(sa, 'float32', seed + 2)],
      );
    }),
  );
  cases.push(
    check(
      'cast',
      fc.tuple(
        fc.constantFrom<[DType, DType]>(
          ['float32', 'int32'],
          ['float32', 'bool'],
          ['int32', 'float32'],
          ['bool', 'float32'],
          ['int32', 'bool'],
          ['bool', 'int32'],
        ),
        shapeArb(),
        seedArb,
      ),
      ([[from, to], shape, seed], run) => {
        run((b, [x]) => b.cast(x!, to), [input(shape, from, seed, 'normal', 5)]);
      },
    ),
  );
  cases.push(
    whenFloat64(
      check(
        'cast float64',
        fc.tuple(
          fc.constantFrom<[DType, DType]>(
            ['float64', 'float32'],
            ['float32', 'float64'],
            ['float64', 'int32'],
            ['float64', 'bool'],
            ['int32', 'float64'],
            ['bool', 'float64'],
          ),
          shapeArb(),
          seedArb,
        ),
        ([[from, to], shape, seed], run) => {
          run((b, [x]) => b.cast(x!, to), [input(shape, from, seed, 'normal', 5)]);
        },
      ),
    ),
  );
  cases.push(
    check(
      'reduce',
      fc.tuple(
        fc.constantFrom(...(Object.keys(reduceOps) as ReduceOp[])),
        shapeArb({ minRank: 1, maxRank: 4, maxDim: 8 }),
        seedArb,
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      ),
      ([op, shape, seed, pick], run) => {
        let axes = shape.map((_, i) => i).filter((i) => pick[i]);
        if (axes.length === 0) axes = [shape.length - 1];
        run((b, [x]) => b.reduce(op, x!, axes), [input(shape, 'float32', seed)], rtol * 10);
      },
    ),
  );
  cases.push(
    check(
      'argReduce',
      fc.tuple(
        fc.constantFrom(...(Object.keys(argReduceOps) as ArgReduceOp[])),
        shapeArb({ minRank: 1, maxRank: 3, maxDim: 7 }),
        seedArb,
        fc.nat(),
      ),
      ([op, shape, seed, a], run) => {
        const axis = a % shape.length;
        run((b, [x]) => b.argReduce(op, x!, axis), [input(shape, 'float32', seed)]);
      },
    ),
  );
  cases.push(
    check(
      'matmul',
      fc.record({
        m: fc.integer({ min: 1, max: 40 }),
        k: fc.integer({ min: 1, max: 40 }),
        n: fc.integer({ min: 1, max: 40 }),
        batch: fc.constantFrom<[number, number]>([1, 1], [3, 3], [1, 3], [3, 1]),
        tA: fc.boolean(),
        tB: fc.boolean(),
        seed: seedArb,
      }),
      ({ m, k, n, batch, tA, tB, seed }, run) => {
        const a = [batch[0], ...(tA ? [k, m] : [m, k])];
        const b = [batch[1], ...(tB ? [n, k] : [k, n])];
        run(
          (be, [x, y]) => be.matmul(x!, y!, tA, tB),
          [input(a, 'float32', seed), input(b, 'float32', seed + 1)],
          rtol * 10,
        );
      },
    ),
  );
  cases.push(
    check('transpose', fc.tuple(shapeArb({ minRank: 1, maxRank: 5 }), seedArb), ([shape, seed], run) => {
      const perm =
        new Random(seed).next() < 0.5
          ? shape.map((_, i) => shape.length - 1 - i)
          : shape.map((_, i) => (i + 1) % shape.length);
      run((b, [x]) => b.transpose(x!, perm), [input(shape, 'float32', seed)]);
    }),
  );
  cases.push(
    check('slice', fc.tuple(shapeArb({ minRank: 1, maxRank: 4, maxDim: 7 }), seedArb), ([shape, seed], run) => {
      const r = new Random(seed);
      const begin = shape.map((d) => r.int(d));
      const size = shape.map((d, i) => 1 + r.int(d - begin[i]!));
      run((b, [x]) => b.slice(x!, begin, size), [input(shape, 'float32', seed)]);
    }),
  );
  cases.push(
    check(
      'pad',
      fc.tuple(shapeArb({ minRank: 1, maxRank: 4 }), seedArb, fc.double({ min: -3, max: 3, noNaN: true })),
      ([shape, seed, value], run) => {
        const r = new Random(seed);
        const pads = shape.map(() => [r.int(3), r.int(3)] as [number, number]);
        run((b, [x]) => b.pad(x!, pads, value), [input(shape, 'float32', seed)]);
      },
    ),
  );
  cases.push(
    check(
      'concat',
      fc.tuple(shapeArb({ minRank: 1, maxRank: 4 }), fc.nat(), fc.integer({ min: 1, max: 4 }), seedArb),
      ([shape, a, count, seed], run) => {
        const axis = a % shape.length;
        const makes = Array.from({ length: count }, (_, i) =>
          input(
            shape.map((d, j) => (j === axis ? 1 + ((d + i) % 4) : d)),
            'float32',
            seed + i,
          ),
        );
        run((b, xs) => b.concat(xs, axis), makes);
      },
    ),
  );
  cases.push(
    check(
      'gather/scatterAdd',
      fc.tuple(shapeArb({ minRank: 1, maxRank: 3, maxDim: 6 }), fc.nat(), fc.integer({ min: 1, max: 8 }), seedArb),
      ([shape, a, count, seed], run) => {
        const axis = a % shape.length;
        const idx = input([count], 'int32', seed, 'int', shape[axis]);
        run((b, [x, i]) => b.gather(x!, i!, axis), [input(shape, 'float32', seed), idx]);
        const dyShape = shape.map((d, j) => (j === axis ? count : d));
        run((b, [dy, i]) => b.scatterAdd(dy!, i!, axis, shape[axis]!), [input(dyShape, 'float32', seed + 3), idx]);
      },
    ),
  );
  cases.push(
    check('conv / convBackpropInput / convBackpropFilter', fc.tuple(convCaseArb(), seedArb), ([c, seed], run) => {
      const g: ConvGeometry = { stride: c.stride, dilation: c.dilation, padding: c.padding, groups: c.groups };
      const outSpatial = c.xShape
        .slice(2)
        .map((n, i) => convOutputSize(n, c.wShape[i + 2]!, c.stride[i]!, c.padding[i]!, c.dilation[i]!));
      const dyShape = [c.xShape[0]!, c.wShape[0]!, ...outSpatial];
      const x = input(c.xShape, 'float32', seed);
      const w = input(c.wShape, 'float32', seed + 1);
      const dy = input(dyShape, 'float32', seed + 2);
      run((b, [xi, wi]) => b.conv(xi!, wi!, g), [x, w], rtol * 10);
      // A backend without the optional backprop kernels trains through core's composed defaults, so those are what it must match.
      run(
        (b, [di, wi]) =>
          b.convBackpropInput
            ? b.convBackpropInput(di!, wi!, g, c.xShape)
            : composedConvBackpropInput(b, di!, wi!, g, c.xShape),
        [dy, w],
        rtol * 10,
      );
      run(
        (b, [xi, di]) =>
          b.convBackpropFilter
            ? b.convBackpropFilter(xi!, di!, g, c.wShape)
            : composedConvBackpropFilter(b, xi!, di!, g, c.wShape),
        [x, dy],
        rtol * 10,
      );
    }),
  );
  const windowOf = (p: {
    xShape: number[];
    kernel: number[];
    stride: number[];
    dilation: number[];
    padding: number[];
    ceilMode: boolean;
  }): WindowGeometry => ({
    kernel: p.kernel,
    stride: p.stride,
    dilation: p.dilation,
    padding: p.padding.map((v) => [v, v] as [number, number]),
    outShape: p.xShape
      .slice(2)
      .map((n, i) => convOutputSize(n, p.kernel[i]!, p.stride[i]!, p.padding[i]!, p.dilation[i]!, 'pool', p.ceilMode)),
  });
  cases.push(
    check('unfold/fold', fc.tuple(poolCaseArb(), seedArb), ([p, seed], run) => {
      const g = windowOf({ ...p, ceilMode: false });
      const colsShape = [p.xShape[0]!, p.xShape[1]! * sizeOf(p.kernel), sizeOf(g.outShape)];
      run((b, [x]) => b.unfold(x!, g), [input(p.xShape, 'float32', seed)]);
      run((b, [c]) => b.fold(c!, g, p.xShape), [input(colsShape, 'float32', seed + 1)], rtol * 10);
    }),
  );
  cases.push(
    check('maxPool', fc.tuple(poolCaseArb(), seedArb), ([p, seed], run) => {
      run(
        (b, [x]) => {
          const r = b.maxPool(x!, windowOf(p));
          return [r.y, r.indices];
        },
        [input(p.xShape, 'float32', seed)],
      );
    }),
  );
  // The indices are the backend's own maxPool's (the maxPool case holds them to the reference's);
  // a backend without the fused kernel runs the scatterAdd on both sides.
  cases.push(
    check('maxPoolBackward (optional fused)', fc.tuple(poolCaseArb(), seedArb), ([p, seed], run) => {
      const g = windowOf(p);
      run(
        (b, [x, dy]) => {
          const { y, indices } = b.maxPool(x!, g);
          try {
            return b.maxPoolBackward
              ? b.maxPoolBackward(dy!, indices, p.xShape)
              : composedMaxPoolBackward(b, dy!, indices, p.xShape);
          } finally {
            b.disposeData(y.dataId);
            b.disposeData(indices.dataId);
          }
        },
        [input(p.xShape, 'float32', seed), input([p.xShape[0]!, p.xShape[1]!, ...g.outShape], 'float32', seed + 1)],
      );
    }),
  );
  // A backend without the pair runs the float64 loops on both sides. Targets include the ignored
  // index; logits spread over ±8 so a row's softmax is far from uniform.
  cases.push(
    check(
      'softmaxCrossEntropy / softmaxCrossEntropyBackward (optional fused)',
      fc.tuple(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.constantFrom(1, 0.25),
        seedArb,
      ),
      ([n, c, reduce, scale, seed], run) => {
        const ignoreIndex = c > 1 ? c - 1 : -100;
        const targets = input([n], 'int32', seed + 1, 'int', c);
        const random = new Random(seed);
        const spread = Float32Array.from({ length: n * c }, () => 8 * random.normal());
        const logits: Make = (b) => ({ dataId: b.write(spread, [n, c], 'float32'), shape: [n, c], dtype: 'float32' });
        const dyShape = reduce ? [] : [n];
        const how = { ignoreIndex, scale, reduce };
        run(
          (b, [x, t]) =>
            b.softmaxCrossEntropy && b.softmaxCrossEntropyBackward
              ? b.softmaxCrossEntropy(x!, t!, how)
              : referenceSoftmaxCrossEntropy(b, x!, t!, how),
          [logits, targets],
        );
        run(
          (b, [dy, x, t]) =>
            b.softmaxCrossEntropy && b.softmaxCrossEntropyBackward
              ? b.softmaxCrossEntropyBackward(dy!, x!, t!, how)
              : referenceSoftmaxCrossEntropyBackward(b, dy!, x!, t!, how),
          [input(dyShape, 'float32', seed + 2), logits, targets],
        );
      },
    ),
  );
  // A backend without the kernel runs the float64 loop on both sides. State, when drawn, is what a
  // previous step would leave: any momentum buffer and exp_avg, a positive exp_avg_sq.
  const optimizerRuleArb: fc.Arbitrary<OptimizerStepRule> = fc.oneof(
    fc.record({
      kind: fc.constant('sgd' as const),
      lr: fc.constantFrom(0.01, 0.5),
      momentum: fc.constantFrom(0, 0.9),
      dampening: fc.constantFrom(0, 0.1),
      nesterov: fc.boolean(),
      weightDecay: fc.constantFrom(0, 1e-2),
      maximize: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('adam' as const),
      lr: fc.constantFrom(1e-3, 0.1),
      beta1: fc.constantFrom(0.9, 0.5),
      beta2: fc.constantFrom(0.999, 0.9),
      eps: fc.constantFrom(1e-8, 1e-3),
      weightDecay: fc.constantFrom(0, 1e-2),
      decoupled: fc.boolean(),
      maximize: fc.boolean(),
    }),
  );
  cases.push(
    check(
      'optimizerStep (optional fused)',
      fc.tuple(
        optimizerRuleArb,
        fc.array(fc.tuple(shapeArb({ maxRank: 3, maxDim: 6 }), fc.boolean(), fc.integer({ min: 1, max: 6 })), {
          minLength: 1,
          maxLength: 3,
        }),
        seedArb,
      ),
      ([rule, params, seed], run) => {
        const slots = rule.kind === 'adam' ? 2 : rule.momentum ? 1 : 0;
        const makes = params.flatMap(([shape, withState], k) => {
          const at = seed + 10 * k;
          const state = withState ? [input(shape, 'float32', at + 2), input(shape, 'float32', at + 3, 'positive')] : [];
          return [input(shape, 'float32', at), input(shape, 'float32', at + 1), ...state.slice(0, slots)];
        });
        run((b, xs) => {
          let next = 0;
          const entries: OptimizerStepEntry[] = params.map(([, withState, t]) => {
            const at = next;
            next += 2 + (withState ? slots : 0);
            return { param: xs[at]!, grad: xs[at + 1]!, state: withState ? xs.slice(at + 2, next) : [], t };
          });
          const results = b.optimizerStep ? b.optimizerStep(rule, entries) : referenceOptimizerStep(b, rule, entries);
          return results.flatMap((r) => [r.param, ...r.state]);
        }, makes);
      },
    ),
  );
  cases.push(
    check(
      'avgPool / avgPoolBackward',
      fc.tuple(poolCaseArb(), fc.boolean(), seedArb),
      ([p, countIncludePad, seed], run) => {
        const g: AvgPoolGeometry = { ...windowOf({ ...p, dilation: p.dilation.map(() => 1) }), countIncludePad };
        run((b, [x]) => b.avgPool(x!, g), [input(p.xShape, 'float32', seed)]);
        run(
          (b, [dy]) => b.avgPoolBackward(dy!, g, p.xShape),
          [input([p.xShape[0]!, p.xShape[1]!, ...g.outShape], 'float32', seed + 1)],
          rtol * 10,
        );
      },
    ),
  );
  cases.push({
    kernel: 'storage',
    async run() {
      const sub = await initBackend(name);
      for (const dtype of sub.dtypes) {
        const shape = [3, 5];
        const values =
          dtype === 'float64'
            ? new Float64Array(15)
            : dtype === 'int32'
              ? new Int32Array(15)
              : dtype === 'bool'
                ? new Uint8Array(15)
                : new Float32Array(15);
        for (let i = 0; i < 15; i++) values[i] = dtype === 'bool' ? i % 2 : i - 7;
        const before = sub.memory();
        const id = sub.write(values, shape, dtype);
        const back = await sub.read(id, dtype);
        if (back.length !== 15 || back.some((v, i) => v !== values[i]))
          throw new ConformanceError('storage', `${dtype} round trip changed the values`);
        sub.disposeData(id);
        const after = sub.memory();
        if (after.bytes !== before.bytes || after.buffers !== before.buffers) {
          throw new ConformanceError(
            'storage',
            `${dtype}: memory() did not return to ${before.bytes} bytes / ${before.buffers} buffers after disposeData (got ${after.bytes} / ${after.buffers})`,
          );
        }
      }
    },
  });
  return cases;
}
