import { describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { add, noGrad, randn, tidy } from '@gradstream/core';
import { BatchNorm2d } from '@gradstream/core/nn';
import { googlenet } from '@gradstream/models';
import { countParams, expectShapes, expectTrains } from './model-helpers.js';

describe('googlenet', () => {
  it('has 6,624,904 parameters with torchvision names, bias-free convs and BN eps 0.001; trains on 2×3×32×32 (adaptive pool)', () => {
    using model = googlenet();
    expect(countParams(model)).toBe(6_624_904);
    const keys = [...model.stateDict().keys()];
    expect(keys.slice(0, 6)).toEqual([
      'conv1.conv.weight',
      'conv1.bn.weight',
      'conv1.bn.bias',
      'conv1.bn.running_mean',
      'conv1.bn.running_var',
      'conv1.bn.num_batches_tracked',
    ]);
    expect(keys.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    expect(keys.some((k) => k.startsWith('aux'))).toBe(false);
    expectShapes(model, {
      'conv2.conv.weight': [64, 64, 1, 1],
      'conv3.conv.weight': [192, 64, 3, 3],
      'inception3a.branch1.conv.weight': [64, 192, 1, 1],
      'inception3a.branch2.0.conv.weight': [96, 192, 1, 1],
      'inception3a.branch2.1.conv.weight': [128, 96, 3, 3],
      'inception3a.branch3.1.conv.weight': [32, 16, 3, 3],
      'inception3a.branch4.1.conv.weight': [32, 192, 1, 1],
      'inception4e.branch2.1.bn.running_var': [320],
      'inception5b.branch4.1.bn.weight': [128],
      'fc.weight': [1000, 1024],
    });
    expect(model.parameters().length).toBe(keys.filter((k) => !/running_|num_batches/.test(k)).length);
    expectTrains(model, [2, 3, 32, 32], [2, 1000]);
    // BasicConv2d: conv without bias, BatchNorm eps 0.001.
    expect(model.stateDict().has('conv1.conv.bias')).toBe(false);
    const eps = model.namedModules().flatMap(([, m]) => (m instanceof BatchNorm2d ? [m.eps] : []));
    expect(eps).toHaveLength(57);
    expect(new Set(eps)).toEqual(new Set([0.001]));
  });

  it('auxLogits: aux1/aux2 between inception5b and fc, 13,004,888 parameters; all heads train in training mode', () => {
    using model = googlenet({ auxLogits: true });
    expect(countParams(model)).toBe(13_004_888);
    const keys = [...model.stateDict().keys()];
    expect(keys.indexOf('aux1.conv.conv.weight')).toBeGreaterThan(
      keys.indexOf('inception5b.branch4.1.bn.num_batches_tracked'),
    );
    expect(keys.indexOf('aux2.fc2.bias')).toBeLessThan(keys.indexOf('fc.weight'));
    expectShapes(model, {
      'aux1.conv.conv.weight': [128, 512, 1, 1],
      'aux1.fc1.weight': [1024, 2048],
      'aux2.conv.conv.weight': [128, 528, 1, 1],
      'aux2.fc2.weight': [1000, 1024],
    });
    expectTrains(model, [2, 3, 32, 32], [2, 1000], (x) => {
      const { logits, aux1, aux2 } = model.forwardWithAux(x);
      return add(add(logits, aux1!), aux2!);
    });
    model.eval();
    const evalOutputs = noGrad(() =>
      tidy(() => {
        const r = model.forwardWithAux(randn([1, 3, 32, 32]));
        return { heads: Object.keys(r), shape: r.logits.shape };
      }),
    );
    expect(evalOutputs).toEqual({ heads: ['logits'], shape: [1, 1000] });
  });
});
