import { describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { vgg16 } from '@gradstream/models';
import { countParams, expectShapes, expectTrains } from './model-helpers.js';

// Its own file so the two ~140M-parameter VGG builds run in parallel workers.
describe('vgg with batch norm', () => {
  it('VGG-16-BN: 138,365,992 parameters, BatchNorm after every conv; trains on 2×3×32×32 (adaptive pool)', () => {
    using model = vgg16({ batchNorm: true });
    expect(countParams(model)).toBe(138_365_992);
    expectShapes(model, {
      'features.1.weight': [64],
      'features.1.running_mean': [64],
      'features.1.num_batches_tracked': [],
      'features.40.weight': [512, 512, 3, 3],
      'features.41.running_var': [512],
      'classifier.0.weight': [4096, 25088],
    });
    expectTrains(model, [2, 3, 32, 32], [2, 1000]);
  });
});
