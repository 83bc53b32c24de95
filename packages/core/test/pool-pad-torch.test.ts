// Pooling with divisorOverride and returnIndices, max unpooling, adaptive
// max and average pooling, fractional max pooling (torch's samples given), pad's border modes and the convolution layers'
// paddingMode, against PyTorch 1.13 literals written by
// fixtures/pool-pad.py: outputs, indices (exactly) and the gradient of
// sum(output · cotangent), on cpu in float64 and on wasm in float32.
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DType,
  type Tensor,
  adaptiveAvgPool1d,
  adaptiveAvgPool3d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  fractionalMaxPool2d,
  fractionalMaxPool3d,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  maxUnpool1d,
  maxUnpool2d,
  maxUnpool3d,
  mul,
  pad,
  setBackend,
  sum,
  tidy,
  valueAndGrads,
  variableGrads,
} from '@gradstream/core';
import { Conv1d, Conv2d, Conv3d, type ConvLayerOptions } from '@gradstream/core/nn';
import { type FixtureArray, differenceLog, loadFixture, maxAbsDiff, toTensor } from './torch-fixtures.js';

interface PoolPadCase {
  readonly name: string;
  readonly fn: string;
  readonly inputs: Record<string, FixtureArray>;
  readonly options: Record<string, unknown>;
  readonly output: FixtureArray;
  readonly indices?: FixtureArray;
  readonly cotangent: FixtureArray;
  readonly grads: Record<string, FixtureArray>;
}

const fixture = loadFixture<{ cases: PoolPadCase[] }>('pool-pad.json');

type Inputs = Record<string, Tensor>;
type Options = Record<string, unknown>;
type Result = Tensor | [Tensor, Tensor];
type Size = number | number[];

const pools: Record<string, (x: Tensor, k: Size, o: Options) => Result> = {
  avgPool1d: (x, k, o) => avgPool1d(x, k, o),
  avgPool2d: (x, k, o) => avgPool2d(x, k, o),
  avgPool3d: (x, k, o) => avgPool3d(x, k, o),
  maxPool1d: (x, k, o) => maxPool1d(x, k, { ...o, returnIndices: true }),
  maxPool2d: (x, k, o) => maxPool2d(x, k, { ...o, returnIndices: true }),
  maxPool3d: (x, k, o) => maxPool3d(x, k, { ...o, returnIndices: true }),
};
const adaptive: Record<string, (x: Tensor, size: Size) => Result> = {
  adaptiveMaxPool1d: (x, s) => adaptiveMaxPool1d(x, s as number, { returnIndices: true }),
  adaptiveMaxPool2d: (x, s) => adaptiveMaxPool2d(x, s as [number, number], { returnIndices: true }),
  adaptiveMaxPool3d: (x, s) => adaptiveMaxPool3d(x, s as [number, number, number], { returnIndices: true }),
  adaptiveAvgPool1d: (x, s) => adaptiveAvgPool1d(x, s as number),
  adaptiveAvgPool3d: (x, s) => adaptiveAvgPool3d(x, s as [number, number, number]),
};
const fractional = { fractionalMaxPool2d, fractionalMaxPool3d } as Record<
  string,
  (x: Tensor, k: Size, o: Options & { returnIndices: true }) => [Tensor, Tensor]
>;
const unpools = { maxUnpool1d, maxUnpool2d, maxUnpool3d } as Record<
  string,
  (x: Tensor, i: Tensor, k: Size, o: Options) => Tensor
>;
const convs = { Conv1d, Conv2d, Conv3d };

/** Runs one case with the float inputs `xs` (in the order of `grads`); the others are fixed. */
function run(c: PoolPadCase, inputs: Inputs, xs: Tensor[]): Result {
  const names = Object.keys(c.grads);
  const v: Inputs = { ...inputs, ...Object.fromEntries(names.map((n, i) => [n, xs[i]!])) };
  const { kernelSize, outputSize, paddings, ...rest } = c.options;
  if (c.fn in pools) return pools[c.fn]!(v.x!, kernelSize as Size, rest);
  if (c.fn in adaptive) return adaptive[c.fn]!(v.x!, outputSize as Size);
  if (c.fn in fractional)
    return fractional[c.fn]!(v.x!, kernelSize as Size, {
      ...rest,
      outputSize,
      returnIndices: true,
      samples: v.samples,
    });
  if (c.fn in unpools) return unpools[c.fn]!(v.x!, v.indices!, kernelSize as Size, { ...rest, outputSize });
  return pad(v.x!, paddings as [number, number][], rest);
}

/** A Conv layer holding torch's weight and bias: its output and the gradients for x, weight and bias. */
function runConv(c: PoolPadCase, inputs: Inputs, cot: Tensor): { y: Tensor; grads: Tensor[] } {
  const Conv = convs[c.fn as keyof typeof convs];
  const w = inputs.w!;
  const options = { ...c.options, dtype: w.dtype } as ConvLayerOptions;
  const layer = new Conv(w.shape[1]!, w.shape[0]!, w.shape.slice(2), options);
  layer.weight.adopt(mul(w, 1));
  layer.bias!.adopt(mul(inputs.b!, 1));
  const y = layer.call(inputs.x!);
  const { grads } = variableGrads(() => sum(mul(layer.call(inputs.x!), cot)), [inputs.x!, layer.weight, layer.bias!]);
  layer.dispose();
  return { y, grads };
}

function diffs(c: PoolPadCase, dtype: DType): number[] {
  return tidy(() => {
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, a]) => [k, toTensor(a, dtype)]));
    const names = Object.keys(c.grads);
    const cot = toTensor(c.cotangent, dtype);
    if (c.fn in convs) {
      const { y, grads } = runConv(c, inputs, cot);
      return [maxAbsDiff(y, c.output), ...names.map((n, i) => maxAbsDiff(grads[i]!, c.grads[n]!))];
    }
    const out = run(
      c,
      inputs,
      names.map((n) => inputs[n]!),
    );
    const [y, indices] = Array.isArray(out) ? out : [out, undefined];
    if (c.indices) expect(indices!.toArray(), `${c.name}: indices`).toEqual(toTensor(c.indices).toArray());
    const { grads } = valueAndGrads((...xs: Tensor[]) => {
      const r = run(c, inputs, xs);
      return sum(mul(Array.isArray(r) ? r[0] : r, cot));
    })(names.map((n) => inputs[n]!));
    return [maxAbsDiff(y, c.output), ...names.map((n, i) => maxAbsDiff(grads[i]!, c.grads[n]!))];
  });
}

const record = differenceLog('pool-pad');

describe.each([
  ['cpu', 'float64', 1e-12],
  ['wasm', 'float32', 2e-5],
] as const)('pooling, unpooling and padding modes against PyTorch 1.13 on %s (%s)', (backend, dtype, tol) => {
  beforeAll(() => setBackend(backend));
  afterAll(() => setBackend('cpu'));

  const fns = [...new Set(fixture.cases.map((c) => c.fn))];
  it.each(fns)('%s: outputs, indices and gradients', (fn) => {
    for (const c of fixture.cases.filter((k) => k.fn === fn)) {
      const worst = Math.max(...diffs(c, dtype));
      const label =
        c.fn === 'pad' || c.fn.startsWith('Conv') ? `${c.fn} ${c.options.mode ?? c.options.paddingMode}` : fn;
      record(`${label} (${backend} ${dtype})`, worst);
      const scale = Math.max(1, ...[c.output, ...Object.values(c.grads)].flatMap((a) => a.data.map(Math.abs)));
      expect(worst, c.name).toBeLessThan(tol * scale);
    }
  });
});
