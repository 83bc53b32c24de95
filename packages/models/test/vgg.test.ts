import { describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { vgg11, vgg13, vgg16, vgg19, type VGG, type VggOptions } from '@gradstream/models';
import { countParams, expectShapes, expectTrains } from './model-helpers.js';

/** torchvision's 7·7·512 → 4096 → 4096 → 1000 classifier, and the cifar variant's 512 → 512 → 512 → 10. */
const IMAGENET_HEAD = 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000;
const CIFAR_HEAD = 512 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10;

describe('vgg', () => {
  it('VGG-16: 138,357,544 parameters with torchvision names; trains on 2×3×32×32 (adaptive pool)', () => {
    using model = vgg16();
    expect(countParams(model)).toBe(138_357_544);
    const keys = [...model.stateDict().keys()];
    expect(keys).toHaveLength(32);
    expect(keys.slice(-6)).toEqual([
      'classifier.0.weight',
      'classifier.0.bias',
      'classifier.3.weight',
      'classifier.3.bias',
      'classifier.6.weight',
      'classifier.6.bias',
    ]);
    expectShapes(model, {
      'features.0.weight': [64, 3, 3, 3],
      'features.2.weight': [64, 64, 3, 3],
      'features.28.weight': [512, 512, 3, 3],
      'classifier.0.weight': [4096, 25088],
      'classifier.6.weight': [1000, 4096],
    });
    expectTrains(model, [2, 3, 32, 32], [2, 1000]);
  });

  // Building the ImageNet heads of VGG-11/13/19 costs ~15 s each on the CPU
  // backend; the cifar variant checks their feature stacks against torchvision's totals instead.
  const depths: [string, (o: VggOptions) => VGG, number, number][] = [
    ['VGG-11', vgg11, 132_863_336, 132_868_840],
    ['VGG-13', vgg13, 133_047_848, 133_053_736],
    ['VGG-16', vgg16, 138_357_544, 138_365_992],
    ['VGG-19', vgg19, 143_667_240, 143_678_248],
  ];
  for (const [name, build, plain, withBn] of depths) {
    it(`${name} cifar variant: torchvision's feature stack (with and without BN), 512-wide head`, () => {
      using model = build({ variant: 'cifar', numClasses: 10 });
      expect(countParams(model)).toBe(plain - IMAGENET_HEAD + CIFAR_HEAD);
      expectShapes(model, { 'classifier.0.weight': [512, 512], 'classifier.6.weight': [10, 512] });
      using bn = build({ variant: 'cifar', numClasses: 10, batchNorm: true });
      expect(countParams(bn)).toBe(withBn - IMAGENET_HEAD + CIFAR_HEAD);
    });
  }

  it('cifar variant: VGG-19 trains on 2×3×32×32, VGG-11-BN on 2×1×28×28 (ceil-mode pools keep the fifth pool at 1×1)', () => {
    using deep = vgg19({ variant: 'cifar', numClasses: 10 });
    expectTrains(deep, [2, 3, 32, 32], [2, 10]);
    using mnist = vgg11({ variant: 'cifar', batchNorm: true, inChannels: 1, numClasses: 10 });
    expectTrains(mnist, [2, 1, 28, 28], [2, 10]);
  });
});
