import { beforeAll, describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import {
  type Tensor,
  abs,
  exp,
  log,
  mul,
  noGrad,
  ones,
  randn,
  setBackend,
  setSeed,
  sigmoid,
  softmax,
} from '@gradstream/core';
import {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
  AvgPool1d,
  AvgPool2d,
  AvgPool3d,
  BatchNorm1d,
  Conv1d,
  Conv2d,
  Conv3d,
  ConvTranspose1d,
  ConvTranspose2d,
  ConvTranspose3d,
  Dropout,
  Flatten,
  GlobalAvgPool,
  LeakyReLU,
  Linear,
  LocallyConnected2d,
  LogSoftmax,
  LpPool1d,
  LpPool2d,
  LpPool3d,
  MaxPool1d,
  MaxPool2d,
  MaxPool3d,
  Module,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from '@gradstream/core/nn';
import { type ExportOnnxOptions, OnnxExportError, exportOnnx } from '@gradstream/models';
import onnxProto from 'onnx-proto';
import type * as ort from 'onnxruntime-node';
import { maxRelativeError, randomizeBatchNorm, runOrt, session } from './onnx-helpers.js';

/**
 * One layer (or a few) at a time: each small model is exported with random
 * weights, loaded in onnxruntime-node with strict shape inference and run on
 * a fresh random input at batch 3 (the export traced batch 1, so the
 * symbolic batch is exercised too); onnxruntime's output must match our
 * forward within 1e-4 relative. onnxruntime is the independent reference.
 */
interface Case {
  readonly name: string;
  readonly build: () => Module;
  /** One sample's shape, without the batch. */
  readonly input: readonly number[];
  readonly options?: Partial<ExportOnnxOptions>;
}

/** The model's output on x and onnxruntime's on the exported graph. */
async function compare(model: Module, x: Tensor, options: ExportOnnxOptions) {
  model.eval();
  const bytes = exportOnnx(model, options);
  const ours = noGrad(() => model.call(x)).dataSync();
  const theirs = await runOrt(await session(bytes), x);
  return { bytes, err: maxRelativeError(ours, theirs), length: [ours.length, theirs.length] };
}

/**
 * Custom modules whose forward applies functional ops around a child layer
 * (read off the tape, as in the zoo's blocks). A leaf with no mapping is
 * refused before tracing, so each holds a layer.
 */
class SwishLinear extends Module {
  readonly linear = this.addModule('linear', new Linear(3, 4));
  forward(x: Tensor): Tensor {
    const y = this.linear.call(x);
    return mul(y, sigmoid(y));
  }
}

class LogExpAbs extends Module {
  readonly conv = this.addModule('conv', new Conv1d(2, 2, 1));
  forward(x: Tensor): Tensor {
    return log(exp(abs(this.conv.call(x))));
  }
}

const CASES: readonly Case[] = [
  // Convolutions: 1-D, 2-D, 3-D; stride, padding forms, dilation, groups.
  { name: 'Conv1d stride 2 padding 1', build: () => new Conv1d(3, 4, 3, { stride: 2, padding: 1 }), input: [3, 11] },
  {
    name: 'Conv1d groups 2 dilation 2 same',
    build: () => new Conv1d(4, 6, 3, { groups: 2, dilation: 2, padding: 'same' }),
    input: [4, 10],
  },
  {
    name: 'Conv2d groups 2 dilation [2, 1] asymmetric padding',
    build: () =>
      new Conv2d(4, 6, [3, 2], {
        groups: 2,
        dilation: [2, 1],
        padding: [
          [1, 0],
          [0, 2],
        ],
        stride: [1, 2],
      }),
    input: [4, 9, 8],
  },
  {
    name: 'Conv2d depthwise (groups = C)',
    build: () => new Conv2d(3, 6, 3, { groups: 3, padding: 1 }),
    input: [3, 7, 7],
  },
  {
    name: 'Conv2d same, even kernel',
    build: () => new Conv2d(2, 3, 4, { padding: 'same', bias: false }),
    input: [2, 6, 5],
  },
  {
    name: 'Conv3d stride [1, 2, 1] dilation [1, 1, 2] padding 1',
    build: () => new Conv3d(2, 4, [2, 3, 3], { stride: [1, 2, 1], padding: 1, dilation: [1, 1, 2] }),
    input: [2, 4, 7, 8],
  },
  { name: 'Conv3d groups 2', build: () => new Conv3d(4, 4, 3, { groups: 2, padding: [0, 1, 1] }), input: [4, 4, 5, 5] },
  // Padding modes: ONNX Pad (reflect, edge; wrap from opset 19) before an unpadded Conv.
  {
    name: 'Conv2d paddingMode reflect',
    build: () => new Conv2d(2, 3, 3, { padding: [2, 1], paddingMode: 'reflect' }),
    input: [2, 6, 5],
  },
  {
    name: 'Conv1d paddingMode replicate, same',
    build: () => new Conv1d(2, 3, 4, { padding: 'same', paddingMode: 'replicate' }),
    input: [2, 9],
  },
  {
    name: 'Conv3d paddingMode replicate stride 2',
    build: () => new Conv3d(1, 2, 3, { padding: 1, stride: 2, paddingMode: 'replicate' }),
    input: [1, 5, 4, 5],
  },
  {
    name: 'Conv2d paddingMode circular (opset 19)',
    build: () => new Conv2d(2, 2, 3, { padding: [1, 2], paddingMode: 'circular', groups: 2 }),
    input: [2, 5, 6],
    options: { opset: 19 },
  },
  // Transposed convolutions.
  {
    name: 'ConvTranspose1d stride 2 padding 1 outputPadding 1',
    build: () => new ConvTranspose1d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }),
    input: [3, 6],
  },
  {
    name: 'ConvTranspose2d stride 2 groups 2 dilation 2',
    build: () => new ConvTranspose2d(4, 6, 3, { stride: 2, groups: 2, dilation: 2, padding: [1, 0] }),
    input: [4, 5, 4],
  },
  {
    name: 'ConvTranspose3d stride [2, 1, 2]',
    build: () => new ConvTranspose3d(2, 3, 2, { stride: [2, 1, 2], bias: false }),
    input: [2, 3, 3, 3],
  },
  // Pools.
  { name: 'MaxPool1d k3 s2 padding 1', build: () => new MaxPool1d(3, { stride: 2, padding: 1 }), input: [2, 9] },
  {
    name: 'MaxPool2d dilation 2 ceilMode',
    build: () => new MaxPool2d(2, { stride: 2, dilation: 2, ceilMode: true }),
    input: [2, 9, 8],
  },
  { name: 'MaxPool3d k2', build: () => new MaxPool3d(2), input: [2, 4, 4, 6] },
  { name: 'AvgPool1d k3 s1', build: () => new AvgPool1d(3, { stride: 1 }), input: [2, 7] },
  {
    name: 'AvgPool2d padding 1 countIncludePad false',
    build: () => new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }),
    input: [2, 7, 6],
  },
  { name: 'AvgPool2d padding 1 countIncludePad true', build: () => new AvgPool2d(3, { padding: 1 }), input: [2, 7, 6] },
  { name: 'AvgPool3d k2', build: () => new AvgPool3d([1, 2, 2]), input: [2, 3, 4, 4] },
  {
    name: 'AvgPool2d divisorOverride 3 padding 1',
    build: () => new AvgPool2d(3, { stride: 2, padding: 1, divisorOverride: 3 }),
    input: [2, 7, 6],
  },
  {
    name: 'AvgPool1d divisorOverride 2 ceilMode, partial window',
    build: () => new AvgPool1d(3, { stride: 2, ceilMode: true, divisorOverride: 2 }),
    input: [3, 8],
  },
  {
    name: 'AvgPool3d divisorOverride 5',
    build: () => new AvgPool3d(2, { divisorOverride: 5 }),
    input: [2, 4, 4, 5],
  },
  { name: 'LpPool1d p=2 k3 s2', build: () => new LpPool1d(2, 3, { stride: 2 }), input: [2, 9] },
  { name: 'LpPool2d p=2 k2', build: () => new LpPool2d(2, 2), input: [3, 6, 6] },
  { name: 'LpPool2d p=4 k[2, 3] s1', build: () => new LpPool2d(4, [2, 3], { stride: 1 }), input: [2, 5, 6] },
  { name: 'LpPool3d p=2 k2', build: () => new LpPool3d(2, 2), input: [2, 4, 4, 4] },
  {
    name: 'LpPool2d p=2 ceilMode, partial windows (opset 17)',
    build: () => new LpPool2d(2, 2, { ceilMode: true }),
    input: [2, 5, 5],
  },
  {
    name: 'LpPool1d p=4 k3 s2 ceilMode, partial window (opset 18)',
    build: () => new LpPool1d(4, 3, { stride: 2, ceilMode: true }),
    input: [2, 6],
    options: { opset: 18 },
  },
  { name: 'AdaptiveAvgPool2d even 8×6 → 4×3', build: () => new AdaptiveAvgPool2d([4, 3]), input: [3, 8, 6] },
  { name: 'AdaptiveAvgPool2d to 1×1', build: () => new AdaptiveAvgPool2d(1), input: [3, 5, 7] },
  { name: 'AdaptiveAvgPool2d uneven 7×5 → 3×2', build: () => new AdaptiveAvgPool2d([3, 2]), input: [3, 7, 5] },
  {
    name: 'AdaptiveAvgPool2d uneven 5×5 → 5×3 (upsampling rows)',
    build: () => new AdaptiveAvgPool2d([5, 3]),
    input: [2, 5, 5],
  },
  { name: 'GlobalAvgPool 3-D', build: () => new GlobalAvgPool(), input: [3, 2, 3, 4] },
  { name: 'AdaptiveAvgPool1d even 12 → 4', build: () => new AdaptiveAvgPool1d(4), input: [3, 12] },
  { name: 'AdaptiveAvgPool1d uneven 10 → 4', build: () => new AdaptiveAvgPool1d(4), input: [3, 10] },
  { name: 'AdaptiveAvgPool3d to 1', build: () => new AdaptiveAvgPool3d(1), input: [2, 3, 4, 5] },
  { name: 'AdaptiveAvgPool3d even 4×6×2 → 2×3×1', build: () => new AdaptiveAvgPool3d([2, 3, 1]), input: [2, 4, 6, 2] },
  {
    name: 'AdaptiveAvgPool3d uneven 5×7×3 → 3×2×2',
    build: () => new AdaptiveAvgPool3d([3, 2, 2]),
    input: [2, 5, 7, 3],
  },
  { name: 'AdaptiveMaxPool1d even 9 → 3', build: () => new AdaptiveMaxPool1d(3), input: [2, 9] },
  { name: 'AdaptiveMaxPool1d uneven 10 → 4', build: () => new AdaptiveMaxPool1d(4), input: [2, 10] },
  { name: 'AdaptiveMaxPool2d to 1×1', build: () => new AdaptiveMaxPool2d(1), input: [3, 5, 4] },
  {
    name: 'AdaptiveMaxPool2d uneven 7×6 → 3×3 (one axis even)',
    build: () => new AdaptiveMaxPool2d(3),
    input: [2, 7, 6],
  },
  { name: 'AdaptiveMaxPool2d uneven 5×5 → 5×3', build: () => new AdaptiveMaxPool2d([5, 3]), input: [2, 5, 5] },
  {
    name: 'AdaptiveMaxPool3d uneven 5×4×7 → 2×3×3',
    build: () => new AdaptiveMaxPool3d([2, 3, 3]),
    input: [2, 5, 4, 7],
  },
  // Activations, softmax, and functional ops in a custom forward.
  { name: 'ReLU', build: () => new ReLU(), input: [5, 4] },
  { name: 'LeakyReLU 0.2', build: () => new LeakyReLU(0.2), input: [5, 4] },
  { name: 'LeakyReLU default slope', build: () => new LeakyReLU(), input: [5, 4] },
  { name: 'Tanh', build: () => new Tanh(), input: [5, 4] },
  { name: 'Sigmoid', build: () => new Sigmoid(), input: [5, 4] },
  { name: 'Linear then x·sigmoid(x) (functional)', build: () => new SwishLinear(), input: [2, 3] },
  { name: 'Conv1d then log(exp(|x|)) (functional)', build: () => new LogExpAbs(), input: [2, 7] },
  { name: 'Softmax last axis', build: () => new Softmax(), input: [10] },
  { name: 'Softmax axis 1 of N×C×L', build: () => new Softmax(1), input: [4, 3] },
  { name: 'LogSoftmax last axis', build: () => new LogSoftmax(), input: [10] },
  { name: 'LogSoftmax axis 1 of N×C×H×W', build: () => new LogSoftmax(1), input: [3, 2, 2] },
  // Dense layers and shape.
  {
    name: 'Linear on N×L×F (MatMul path) + BatchNorm1d + Dropout',
    build: () => new Sequential([new Conv1d(2, 4, 1), new BatchNorm1d(4), new Dropout(0.5), new Linear(5, 3)]),
    input: [2, 5],
  },
  {
    name: 'conv → relu → pool → flatten → linear → logSoftmax',
    build: () =>
      new Sequential([
        new Conv2d(1, 3, 3),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(3 * 3 * 3, 4),
        new LogSoftmax(),
      ]),
    input: [1, 8, 8],
  },
];

describe('each layer in onnxruntime', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s matches at batch 3 within 1e-4', async (_, c) => {
    setSeed(16);
    const model = c.build();
    randomizeBatchNorm(model);
    const { err } = await compare(model, randn([3, ...c.input]), {
      inputShape: [1, ...c.input],
      ...c.options,
    });
    expect(err).toBeLessThan(1e-4);
  });
});

describe('what ONNX cannot express is an error, never a wrong graph', () => {
  it('an unsupported module names its path and class', () => {
    const model = new Sequential({
      stem: new Conv2d(1, 2, 3),
      body: new Sequential([new ReLU(), new LocallyConnected2d(2, 2, [6, 6], 3)]),
    });
    let error: unknown;
    try {
      exportOnnx(model, { inputShape: [1, 1, 8, 8] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OnnxExportError);
    const e = error as OnnxExportError;
    expect([e.code, e.path, e.moduleClass]).toEqual(['unsupported-module', 'body.1', 'LocallyConnected2d']);
    expect(e.message).toContain("module 'body.1' (LocallyConnected2d) has no ONNX mapping");
  });

  it('a functional op with attributes in a custom forward names the module', () => {
    class Head extends Module {
      readonly fc = this.addModule('fc', new Linear(4, 3));
      forward(x: Tensor): Tensor {
        return softmax(this.fc.call(x), 1);
      }
    }
    const model = new Sequential({ features: new Linear(4, 4), head: new Head() });
    expect(() => exportOnnx(model, { inputShape: [1, 4] })).toThrow(
      expect.objectContaining({ code: 'unsupported-op', path: 'head', moduleClass: 'Head' }),
    );
    expect(() => exportOnnx(model, { inputShape: [1, 4] })).toThrow(
      /module 'head' \(Head\) applies sum of \[1,3\] in its forward/,
    );
  });

  it('LpPool with odd p is refused (ONNX raises |x|, we raise x)', () => {
    expect(() => exportOnnx(new Sequential([new LpPool2d(3, 2)]), { inputShape: [1, 1, 4, 4] })).toThrow(
      expect.objectContaining({ code: 'unsupported-module', path: '0', moduleClass: 'LpPool2d' }),
    );
  });

  it("circular padding is refused below opset 19 (ONNX Pad's wrap mode)", () => {
    const model = new Sequential({ conv: new Conv2d(1, 1, 3, { padding: 1, paddingMode: 'circular' }) });
    expect(() => exportOnnx(model, { inputShape: [1, 1, 5, 5] })).toThrow(
      expect.objectContaining({ code: 'unsupported-module', path: 'conv', moduleClass: 'Conv2d' }),
    );
    expect(() => exportOnnx(model, { inputShape: [1, 1, 5, 5] })).toThrow(/from opset 19/);
  });

  it('LpPool ceilMode scales a cut-short window to the kernel, as PyTorch does', async () => {
    // PyTorch 1.13: torch.nn.LPPool2d(2, 2, ceil_mode=True)(torch.ones(1, 1, 3, 3)) is 2 everywhere;
    // ONNX LpPool would give sqrt(2) and 1 at the cut-short windows.
    const bytes = exportOnnx(new LpPool2d(2, 2, { ceilMode: true }), { inputShape: [1, 1, 3, 3] });
    const y = await runOrt(await session(bytes), ones([1, 1, 3, 3]));
    for (const v of y) expect(v).toBeCloseTo(2, 6);
  });
});

describe('options', () => {
  const net = () =>
    new Sequential([new Conv2d(2, 3, 3, { padding: 1 }), new ReLU(), new GlobalAvgPool(), new Flatten()]);

  it.each([17, 18, 19, 20, 21, 22])('opset %i is written into the model and runs', async (opset) => {
    setSeed(3);
    const model = net();
    const { bytes, err } = await compare(model, randn([2, 2, 5, 5]), { inputShape: [1, 2, 5, 5], opset });
    const proto = onnxProto.onnx.ModelProto.decode(bytes);
    expect(proto.opsetImport.map((o) => [o.domain ?? '', Number(o.version)])).toEqual([['', opset]]);
    expect(err).toBeLessThan(1e-4);
  });

  it.each([16, 23, 17.5])('opset %s is a bad-option error', (opset) => {
    expect(() => exportOnnx(net(), { inputShape: [1, 2, 5, 5], opset })).toThrow(
      expect.objectContaining({ code: 'bad-option' }),
    );
  });

  it('the batch dimension is symbolic by default and fixed with dynamicBatch: false', async () => {
    setSeed(4);
    const model = net();
    model.eval();
    const free = await session(exportOnnx(model, { inputShape: [1, 2, 5, 5] }));
    const fixed = await session(exportOnnx(model, { inputShape: [2, 2, 5, 5], dynamicBatch: false }));
    const dims = (s: ort.InferenceSession, which: 'inputMetadata' | 'outputMetadata') =>
      (s[which][0] as ort.InferenceSession.TensorValueMetadata).shape;
    expect(dims(free, 'inputMetadata')).toEqual(['batch', 2, 5, 5]);
    expect(dims(free, 'outputMetadata')).toEqual(['batch', 3]);
    expect(dims(fixed, 'inputMetadata')).toEqual([2, 2, 5, 5]);
    for (const n of [1, 4]) {
      const x = randn([n, 2, 5, 5]);
      const ours = noGrad(() => model.call(x)).dataSync();
      expect(maxRelativeError(ours, await runOrt(free, x))).toBeLessThan(1e-4);
    }
    await expect(runOrt(fixed, randn([3, 2, 5, 5]))).rejects.toThrow();
    const x = randn([2, 2, 5, 5]);
    expect(maxRelativeError(noGrad(() => model.call(x)).dataSync(), await runOrt(fixed, x))).toBeLessThan(1e-4);
  });

  it('inputName and outputName name the graph input and output', async () => {
    const s = await session(exportOnnx(net(), { inputShape: [1, 2, 5, 5], inputName: 'pixels', outputName: 'logits' }));
    expect([s.inputNames, s.outputNames]).toEqual([['pixels'], ['logits']]);
  });
});
