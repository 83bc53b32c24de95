// gradientNorms(model) in fit's stream: one event after each batchEnd, with
// the per-layer norms of that step's gradients, checked against gradients
// computed by hand-run variableGrads on the same batch and parameters.
import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { setSeed, tensor, tidy, variableGrads } from '@gradstream/core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, crossEntropy } from '@gradstream/core/nn';
import { sgd } from '@gradstream/core/optim';
import { type GradientNormsEvent, fit, gradientNorms } from '@gradstream/core/train';
import { loader, makeXO } from './train-helpers.js';

function smallCnn(): Sequential {
  setSeed(7);
  return new Sequential([
    new Conv2d(1, 4, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(4 * 4 * 4, 2),
  ]);
}

/** Per-layer gradient norms of the first batch, computed outside fit, in float64 from the gradient values. */
function firstStepNorms(data: ReturnType<typeof makeXO>, batchSize: number): Record<string, number> {
  const model = smallCnn();
  const x = tensor(data.images.slice(0, batchSize * 64), [batchSize, 1, 8, 8]);
  const y = tensor(data.labels.slice(0, batchSize), [batchSize], 'int32');
  const out: Record<string, number> = {};
  tidy(() => {
    const { grads } = variableGrads(() => crossEntropy(model.call(x), y), model.parameters());
    model.namedParameters().forEach(([name], i) => {
      const layer = name.slice(0, name.lastIndexOf('.'));
      out[layer] = (out[layer] ?? 0) + [...grads[i]!.dataSync()].reduce((s, v) => s + v * v, 0);
    });
  });
  x.dispose();
  y.dispose();
  model.dispose();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.sqrt(v)]));
}

describe('gradientNorms', () => {
  it('emits each step’s per-layer norms right after its batchEnd, equal to the gradients by hand', async () => {
    const data = makeXO(96, 21);
    const want = firstStepNorms(data, 32);
    const model = smallCnn();
    const optimizer = sgd(model.parameters(), { lr: 0.1 });
    const events = await lastValueFrom(
      fit(model, { train: loader(data, 32), epochs: 2, optimizer }).pipe(gradientNorms(model), toArray()),
    );
    const types = events.map((e) => e.type);
    const norms = events.filter((e): e is GradientNormsEvent => e.type === 'gradientNorms');
    expect(norms.length).toBe(6);
    types.forEach((t, i) => {
      if (t === 'gradientNorms') expect(types[i - 1]).toBe('batchEnd');
    });
    expect(norms.map((e) => e.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Object.keys(norms[0]!.norms)).toEqual(['0', '4']);
    for (const k of ['0', '4']) expect(norms[0]!.norms[k]).toBeCloseTo(want[k]!, 5);
    expect(norms[0]!.total).toBeCloseTo(Math.hypot(want['0']!, want['4']!), 5);
    // Later steps see the updated parameters: their norms differ from the first.
    expect(norms[5]!.norms['4']).not.toBeCloseTo(norms[0]!.norms['4']!, 6);
    // Completion removed the hooks.
    for (const p of model.parameters()) expect(p.gradientHooks().length).toBe(0);
    optimizer.dispose();
    model.dispose();
  });

  it('reports per parameter on request and leaves frozen layers out', async () => {
    const model = smallCnn();
    model.children()[0]!.freeze();
    const optimizer = sgd(model.trainableParameters(), { lr: 0.1 });
    const events = await lastValueFrom(
      fit(model, { train: loader(makeXO(64, 3), 32), epochs: 1, optimizer }).pipe(
        gradientNorms(model, { by: 'parameter' }),
        toArray(),
      ),
    );
    const first = events.find((e): e is GradientNormsEvent => e.type === 'gradientNorms')!;
    expect(Object.keys(first.norms)).toEqual(['4.weight', '4.bias']);
    expect(() => gradientNorms(model, { by: 'module' as never })).toThrow(/layer/);
    optimizer.dispose();
    model.dispose();
  });
});
