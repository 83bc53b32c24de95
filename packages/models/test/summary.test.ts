import { describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { memory } from '@gradstream/core';
import { formatSummary, googlenet, lenet5, resnet18, summary } from '@gradstream/models';

describe('summary', () => {
  it('LeNet-5: a row per leaf layer with output shape, parameters and multiply-adds', () => {
    using model = lenet5();
    const before = memory().numTensors;
    const s = summary(model, [2, 1, 28, 28]);
    expect(memory().numTensors).toBe(before);
    expect(s.layers.map((l) => [l.name, l.type, l.outputShape, l.params, l.multAdds])).toEqual([
      ['features.0', 'Conv2d', [2, 6, 28, 28], 156, 2 * 6 * 28 * 28 * 1 * 25],
      ['features.1', 'ReLU', [2, 6, 28, 28], 0, 0],
      ['features.2', 'MaxPool2d', [2, 6, 14, 14], 0, 0],
      ['features.3', 'Conv2d', [2, 16, 10, 10], 2416, 2 * 16 * 10 * 10 * 6 * 25],
      ['features.4', 'ReLU', [2, 16, 10, 10], 0, 0],
      ['features.5', 'MaxPool2d', [2, 16, 5, 5], 0, 0],
      ['classifier.0', 'Linear', [2, 120], 48_120, 2 * 400 * 120],
      ['classifier.1', 'ReLU', [2, 120], 0, 0],
      ['classifier.2', 'Linear', [2, 84], 10_164, 2 * 120 * 84],
      ['classifier.3', 'ReLU', [2, 84], 0, 0],
      ['classifier.4', 'Linear', [2, 10], 850, 2 * 84 * 10],
    ]);
    expect(s.totalParams).toBe(61_706);
    expect(s.totalMultAdds).toBe(2 * 416_520);
    expect(s.outputShape).toEqual([2, 10]);
    expect(s.stateBytes).toBe(61_706 * 4);
  });

  it("ResNet-18 at 224×224: torchvision's 1.81 G multiply-adds, a row per call of a reused module", () => {
    using model = resnet18();
    const s = summary(model, [1, 3, 224, 224]);
    expect(s.totalParams).toBe(11_689_512);
    // 1,813,561,344 in convolutions + 512,000 in fc: the figure fvcore and torchvision's "1.81 GFLOPS" report.
    expect(s.totalMultAdds).toBe(1_814_073_344);
    expect(s.layers.find((l) => l.name === 'layer2.0.downsample.0')).toEqual({
      name: 'layer2.0.downsample.0',
      type: 'Conv2d',
      outputShape: [1, 128, 28, 28],
      params: 128 * 64,
      multAdds: 128 * 28 * 28 * 64,
    });
    // BasicBlock calls its one ReLU twice, as torchvision's does: two rows, parameters counted once.
    expect(s.layers.filter((l) => l.name === 'layer1.0.relu')).toHaveLength(2);
    expect(s.layers.reduce((n, l) => n + l.params, 0)).toBe(11_689_512);
    const table = formatSummary(s);
    expect(table).toMatch(/^Layer\s+Type\s+Output shape\s+Params\s+Mult-adds\n-+\n/);
    expect(table).toMatch(/\nconv1\s+Conv2d\s+\[1, 64, 112, 112\]\s+9,408\s+118,013,952\n/);
    expect(table).toContain('Total params: 11,689,512');
    expect(table).toContain('Output shape: [1, 1000]');
    expect(table).toContain('Mult-adds:    1,814,073,344 (1.81 G)');
  });

  it('runs in eval mode without touching running statistics, then restores modes and removes its hooks', () => {
    using model = googlenet({ numClasses: 10 });
    const modules = new Map(model.namedModules());
    model.train();
    modules.get('conv1')!.eval();
    const runningMean = Array.from(model.stateDict().get('inception3a.branch1.bn.running_mean')!.dataSync());
    const first = summary(model, [1, 3, 32, 32]);
    expect(model.training).toBe(true);
    expect(modules.get('conv1')!.training).toBe(false);
    expect(modules.get('conv1.bn')!.training).toBe(false);
    expect(modules.get('inception3a.branch1.bn')!.training).toBe(true);
    expect(Array.from(model.stateDict().get('inception3a.branch1.bn.running_mean')!.dataSync())).toEqual(runningMean);
    expect(summary(model, [1, 3, 32, 32]).layers).toHaveLength(first.layers.length);
  });
});
