import { describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { alexnet } from '@gradstream/models';
import { countParams, expectShapes, expectTrains } from './model-helpers.js';

describe('alexnet', () => {
  it('has 61,100,840 parameters with torchvision names; trains on 2×3×64×64 (adaptive pool)', () => {
    using model = alexnet();
    expect(countParams(model)).toBe(61_100_840);
    expect([...model.stateDict().keys()]).toEqual(
      [
        'features.0',
        'features.3',
        'features.6',
        'features.8',
        'features.10',
        'classifier.1',
        'classifier.4',
        'classifier.6',
      ].flatMap((m) => [`${m}.weight`, `${m}.bias`]),
    );
    expectShapes(model, {
      'features.0.weight': [64, 3, 11, 11],
      'features.3.weight': [192, 64, 5, 5],
      'features.10.weight': [256, 256, 3, 3],
      'classifier.1.weight': [4096, 9216],
      'classifier.6.weight': [1000, 4096],
    });
    expectTrains(model, [2, 3, 64, 64], [2, 1000]);
  });
});
