import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { noGrad, randn, tidy } from '@gradstream/core';
import { resnet101, resnet152, resnet18, resnet34, resnet50, type ResNet } from '@gradstream/models';
import { countParams, expectShapes, expectTrains } from './model-helpers.js';

describe('resnet', () => {
  let model: ResNet;
  beforeAll(() => {
    model = resnet18();
  });
  afterAll(() => model.dispose());

  it('ResNet-18: 11,689,512 parameters, torchvision names and order; trains on 2×3×64×64 (adaptive pool)', () => {
    expect(countParams(model)).toBe(11_689_512);
    const keys = [...model.stateDict().keys()];
    expect(keys).toHaveLength(122);
    expect(keys.slice(0, 8)).toEqual([
      'conv1.weight',
      'bn1.weight',
      'bn1.bias',
      'bn1.running_mean',
      'bn1.running_var',
      'bn1.num_batches_tracked',
      'layer1.0.conv1.weight',
      'layer1.0.bn1.weight',
    ]);
    expect(keys.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    expectShapes(model, {
      'conv1.weight': [64, 3, 7, 7],
      'layer1.0.conv2.weight': [64, 64, 3, 3],
      'layer1.0.bn1.running_mean': [64],
      'layer2.0.conv1.weight': [128, 64, 3, 3],
      'layer2.0.downsample.0.weight': [128, 64, 1, 1],
      'layer2.0.downsample.1.running_var': [128],
      'layer4.1.bn2.num_batches_tracked': [],
      'fc.weight': [1000, 512],
    });
    expect(keys).not.toContain('layer1.0.downsample.0.weight');
    expectTrains(model, [2, 3, 64, 64], [2, 1000]);
  });

  it('ResNet-18 at full 224×224, batch 1, forward in eval mode', () => {
    model.eval();
    const started = performance.now();
    const shape = noGrad(() => tidy(() => model.call(randn([1, 3, 224, 224])).shape));
    expect(shape).toEqual([1, 1000]);
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('ResNet-34: 21,797,672 parameters; trains on 2×3×32×32 (adaptive pool)', () => {
    using model = resnet34();
    expect(countParams(model)).toBe(21_797_672);
    expectShapes(model, {
      'layer3.5.conv2.weight': [256, 256, 3, 3],
      'layer4.0.downsample.0.weight': [512, 256, 1, 1],
    });
    expectTrains(model, [2, 3, 32, 32], [2, 1000]);
  });

  it('ResNet-50: 25,557,032 parameters, bottleneck layout; trains on 2×3×32×32 (adaptive pool)', () => {
    using model = resnet50();
    expect(countParams(model)).toBe(25_557_032);
    expect(model.stateDict().size).toBe(320);
    expectShapes(model, {
      'layer1.0.conv1.weight': [64, 64, 1, 1],
      'layer1.0.conv3.weight': [256, 64, 1, 1],
      'layer1.0.downsample.0.weight': [256, 64, 1, 1],
      'layer2.0.conv2.weight': [128, 128, 3, 3],
      'layer4.2.bn3.weight': [2048],
      'fc.weight': [1000, 2048],
    });
    expectTrains(model, [2, 3, 32, 32], [2, 1000]);
  });

  it("ResNet-101: 44,549,160 parameters (ResNet-50's blocks, which train above, 23 deep in layer3)", () => {
    using r101 = resnet101();
    expect(countParams(r101)).toBe(44_549_160);
    expectShapes(r101, { 'layer3.22.conv3.weight': [1024, 256, 1, 1] });
    expect([...r101.stateDict().keys()].some((k) => k.startsWith('layer3.23.'))).toBe(false);
  });

  it('ResNet-152: 60,192,808 parameters, torchvision keys and shapes (blocks 3, 8, 36, 3)', () => {
    using r152 = resnet152();
    expect(countParams(r152)).toBe(60_192_808);
    // Stem 6 + 50 bottlenecks × 18 (3 convs, 3 batch norms of 5) + 4 downsamples × 6 + fc 2, as in torchvision's state_dict().
    expect(r152.stateDict().size).toBe(932);
    expectShapes(r152, {
      'layer1.2.conv3.weight': [256, 64, 1, 1],
      'layer2.0.downsample.0.weight': [512, 256, 1, 1],
      'layer2.7.conv3.weight': [512, 128, 1, 1],
      'layer3.35.conv2.weight': [256, 256, 3, 3],
      'layer3.35.bn3.running_var': [1024],
      'layer4.2.conv3.weight': [2048, 512, 1, 1],
      'fc.weight': [1000, 2048],
    });
    const keys = [...r152.stateDict().keys()];
    expect(keys.some((k) => k.startsWith('layer2.8.') || k.startsWith('layer3.36.') || k.startsWith('layer4.3.'))).toBe(
      false,
    );
  });

  it("variant 'cifar': 3×3 stride-1 stem, no max pool; trains on 2×3×32×32, runs on 2×1×28×28", () => {
    using cifar = resnet18({ variant: 'cifar', numClasses: 10 });
    expectShapes(cifar, { 'conv1.weight': [64, 3, 3, 3], 'fc.weight': [10, 512] });
    expect(cifar.maxpool).toBeUndefined();
    expect(countParams(cifar)).toBe(11_689_512 - 64 * 3 * (49 - 9) - 512 * 990 - 990);
    expectTrains(cifar, [2, 3, 32, 32], [2, 10]);
    using mnist = resnet18({ variant: 'cifar', inChannels: 1, numClasses: 10 });
    expectShapes(mnist, { 'conv1.weight': [64, 1, 3, 3] });
    mnist.eval();
    expect(noGrad(() => tidy(() => mnist.call(randn([2, 1, 28, 28])).shape))).toEqual([2, 10]);
  });
});
