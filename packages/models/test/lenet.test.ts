import { describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { AvgPool2d, MaxPool2d, ReLU, Tanh } from '@gradstream/core/nn';
import { lenet5 } from '@gradstream/models';
import { countParams, expectShapes, expectTrains } from './model-helpers.js';

describe('lenet5', () => {
  it('has 61,706 parameters in features/classifier', () => {
    using model = lenet5();
    expect(countParams(model)).toBe(61_706);
    expect([...model.stateDict().keys()]).toEqual([
      'features.0.weight',
      'features.0.bias',
      'features.3.weight',
      'features.3.bias',
      'classifier.0.weight',
      'classifier.0.bias',
      'classifier.2.weight',
      'classifier.2.bias',
      'classifier.4.weight',
      'classifier.4.bias',
    ]);
    expectShapes(model, {
      'features.0.weight': [6, 1, 5, 5],
      'features.3.weight': [16, 6, 5, 5],
      'classifier.0.weight': [120, 400],
      'classifier.4.weight': [10, 84],
    });
  });

  it('trains on 2×1×28×28 (default) and 2×1×32×32 (inputSize 32, unpadded)', () => {
    using mnist = lenet5();
    expectTrains(mnist, [2, 1, 28, 28], [2, 10]);
    using classic = lenet5({ inputSize: 32, activation: 'tanh', pooling: 'avg' });
    expect(countParams(classic)).toBe(61_706);
    expectTrains(classic, [2, 1, 32, 32], [2, 10]);
  });

  it('selects activation and pooling, channels and classes', () => {
    using relu = lenet5();
    expect(relu.features.at(1)).toBeInstanceOf(ReLU);
    expect(relu.features.at(2)).toBeInstanceOf(MaxPool2d);
    using classic = lenet5({ activation: 'tanh', pooling: 'avg', inChannels: 3, numClasses: 5 });
    expect(classic.features.at(1)).toBeInstanceOf(Tanh);
    expect(classic.features.at(5)).toBeInstanceOf(AvgPool2d);
    expectTrains(classic, [2, 3, 28, 28], [2, 5]);
  });

  it('gives identical weights for the same seed and different ones otherwise', () => {
    using a = lenet5({ seed: 7 });
    using b = lenet5({ seed: 7 });
    using c = lenet5({ seed: 8 });
    const values = (m: typeof a): number[] => m.parameters().flatMap((p) => Array.from(p.dataSync()));
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
  });
});
