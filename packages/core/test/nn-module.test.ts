import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { GradstreamError, type Tensor, add, memory, mul, ones, setSeed, tensor, tidy, zeros } from '@gradstream/core';
import {
  BatchNorm2d,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Residual,
  Sequential,
  StateDictError,
} from '@gradstream/core/nn';

class Affine extends Module {
  readonly w = this.addParameter('weight', ones([3]));
  readonly b = this.addParameter('bias', zeros([3]));
  forward(x: Tensor): Tensor {
    return add(mul(x, this.w), this.b);
  }
}

/** features (conv, bn, relu, pool), a residual block, then a classifier: the torchvision naming patterns. */
function net(): Sequential {
  return new Sequential({
    features: new Sequential([new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2)]),
    layer1: new Residual(new Sequential([new Conv2d(4, 4, 3, { padding: 1, bias: false }), new BatchNorm2d(4)])),
    flatten: new Flatten(),
    classifier: new Linear(4 * 4 * 4, 2),
  });
}

describe('Module', () => {
  it('names parameters and buffers with PyTorch dotted paths, in torch order', () => {
    const m = net();
    expect([...m.stateDict().keys()]).toEqual([
      'features.0.weight',
      'features.0.bias',
      'features.1.weight',
      'features.1.bias',
      'features.1.running_mean',
      'features.1.running_var',
      'features.1.num_batches_tracked',
      'layer1.body.0.weight',
      'layer1.body.1.weight',
      'layer1.body.1.bias',
      'layer1.body.1.running_mean',
      'layer1.body.1.running_var',
      'layer1.body.1.num_batches_tracked',
      'classifier.weight',
      'classifier.bias',
    ]);
    expect(m.namedParameters().map(([k]) => k)).toEqual([
      'features.0.weight',
      'features.0.bias',
      'features.1.weight',
      'features.1.bias',
      'layer1.body.0.weight',
      'layer1.body.1.weight',
      'layer1.body.1.bias',
      'classifier.weight',
      'classifier.bias',
    ]);
    expect(m.namedBuffers().map(([k]) => k)).toContain('layer1.body.1.running_var');
    expect(m.namedModules().map(([k]) => k)).toEqual([
      '',
      'features',
      'features.0',
      'features.1',
      'features.2',
      'features.3',
      'layer1',
      'layer1.body',
      'layer1.body.0',
      'layer1.body.1',
      'flatten',
      'classifier',
    ]);
    expect(m.children()).toHaveLength(4);
    const nbt = m.stateDict().get('features.1.num_batches_tracked')!;
    expect(nbt.dtype).toBe('int32');
    expect(nbt.shape).toEqual([]);
    m.dispose();
  });

  it('loads a state dict, sharing values without consuming the source', () => {
    setSeed(1);
    const a = net();
    setSeed(2);
    const b = net();
    const sd = a.stateDict();
    b.loadStateDict(sd);
    for (const [k, t] of b.stateDict()) expect(t.dataSync()).toEqual(sd.get(k)!.dataSync());
    a.dispose();
    expect(b.parameters()[0]!.isDisposed).toBe(false);
    expect(b.parameters()[0]!.dataSync().length).toBe(36);
    const record = Object.fromEntries(b.stateDict());
    const c = net();
    c.loadStateDict(record);
    b.dispose();
    c.dispose();
  });

  it('reports every missing key, unexpected key and shape mismatch in one typed error', () => {
    const m = new Sequential([new Linear(3, 2), new ReLU(), new Linear(2, 1)]);
    const sd = new Map(m.stateDict());
    sd.delete('0.bias');
    sd.delete('2.weight');
    sd.set('0.weight', zeros([2, 4]));
    sd.set('extra.weight', zeros([1]));
    sd.set('2.gamma', zeros([1]));
    let error: unknown;
    try {
      m.loadStateDict(sd);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    expect(error).toBeInstanceOf(GradstreamError);
    const e = error as StateDictError;
    expect(e.missingKeys).toEqual(['0.bias', '2.weight']);
    expect(e.unexpectedKeys).toEqual(['extra.weight', '2.gamma']);
    expect(e.shapeMismatches).toEqual([{ key: '0.weight', expected: [2, 3], got: [2, 4] }]);
    expect(e.message).toMatch(
      /missing keys: 0\.bias, 2\.weight; unexpected keys: extra\.weight, 2\.gamma; shape mismatch for 0\.weight: expected \[2,3\], got \[2,4\]/,
    );

    sd.set('0.weight', zeros([2, 3]));
    const result = m.loadStateDict(sd, { strict: false });
    expect(result).toEqual({ missingKeys: ['0.bias', '2.weight'], unexpectedKeys: ['extra.weight', '2.gamma'] });
    expect(
      m
        .namedParameters()[0]![1]
        .dataSync()
        .every((v) => v === 0),
    ).toBe(true);
    m.dispose();
  });

  it('casts loaded values to the parameter dtype', () => {
    const m = new Linear(2, 1, { dtype: 'float64' });
    m.loadStateDict({ weight: tensor([[1.5, 2]]), bias: tensor([0.25]) });
    expect(m.weight.dtype).toBe('float64');
    expect(m.call(tensor([[2, 1]], undefined, 'float64')).dataSync()[0]).toBe(5.25);
    m.dispose();
  });

  it('switches train/eval mode recursively', () => {
    const m = net();
    expect(m.training).toBe(true);
    m.eval();
    expect(m.namedModules().every(([, c]) => !c.training)).toBe(true);
    m.train();
    expect(m.namedModules().every(([, c]) => c.training)).toBe(true);
    m.dispose();
  });

  it('fires forward hooks of every submodule, containers calling children through call', () => {
    const m = net();
    const calls: string[] = [];
    const names = new Map(m.namedModules().map(([k, v]) => [v, k]));
    const removers = m.namedModules().map(([, sub]) =>
      sub.addForwardHook((mod, input, output) => {
        calls.push(`${names.get(mod)} ${input.shape.join('x')}->${output.shape.join('x')}`);
      }),
    );
    tidy(() => m.call(zeros([2, 1, 8, 8])));
    expect(calls).toEqual([
      'features.0 2x1x8x8->2x4x8x8',
      'features.1 2x4x8x8->2x4x8x8',
      'features.2 2x4x8x8->2x4x8x8',
      'features.3 2x4x8x8->2x4x4x4',
      'features 2x1x8x8->2x4x4x4',
      'layer1.body.0 2x4x4x4->2x4x4x4',
      'layer1.body.1 2x4x4x4->2x4x4x4',
      'layer1.body 2x4x4x4->2x4x4x4',
      'layer1 2x4x4x4->2x4x4x4',
      'flatten 2x4x4x4->2x64',
      'classifier 2x64->2x2',
      ' 2x1x8x8->2x2',
    ]);
    for (const remove of removers) remove();
    calls.length = 0;
    tidy(() => m.call(zeros([1, 1, 8, 8])));
    expect(calls).toEqual([]);
    m.dispose();
  });

  it('keeps parameters and buffers alive through tidy and frees them on dispose', () => {
    const before = memory().numTensors;
    const m = tidy(() => new Affine());
    expect(m.w.isDisposed).toBe(false);
    expect(memory().numTensors).toBe(before + 2);
    expect(tidy(() => m.call(tensor([1, 2, 3])).dataSync())).toEqual(new Float32Array([1, 2, 3]));
    m.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('rejects duplicate or dotted names', () => {
    class Bad extends Module {
      constructor(name: string) {
        super();
        this.addParameter('w', zeros([1]));
        this.addBuffer(name, zeros([1]));
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new Bad('w')).toThrow(/already registered/);
    expect(() => new Bad('a.b')).toThrow(/contain no '\.'/);
  });

  it('initializes Linear and Conv like PyTorch: U(−1/√fan_in, 1/√fan_in), seeded', () => {
    setSeed(7);
    const fc = new Linear(100, 50);
    const conv = new Conv2d(8, 16, 3, { groups: 2 });
    const check = (t: Tensor, fanIn: number): void => {
      const v = t.dataSync();
      const bound = 1 / Math.sqrt(fanIn);
      expect(Math.max(...v)).toBeLessThanOrEqual(bound);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(-bound);
      expect(Math.max(...v)).toBeGreaterThan(0.9 * bound);
      const variance = Array.from(v).reduce((s, x) => s + x * x, 0) / v.length;
      if (v.length > 500) expect(variance).toBeCloseTo((bound * bound) / 3, 3);
    };
    check(fc.weight, 100);
    check(fc.bias!, 100);
    check(conv.weight, 4 * 9);
    check(conv.bias!, 4 * 9);
    setSeed(7);
    const again = new Linear(100, 50);
    expect(again.weight.dataSync()).toEqual(fc.weight.dataSync());
    for (const m of [fc, conv, again]) m.dispose();
  });
});
