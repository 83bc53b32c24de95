// The normalization and dropout layers of issue 19 in exportOnnx: each maps
// to an ONNX node (BatchNormalization, InstanceNormalization,
// LayerNormalization, LRN; channel dropout is the identity in eval) and
// runs in onnxruntime within 1e-4 of our eval forward, or is refused with
// the typed unsupported-module error naming its path and class.
import { beforeAll, describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { type Tensor, noGrad, randn, setBackend, setSeed, uniform } from '@gradstream/core';
import {
  BatchNorm3d,
  Conv1d,
  Conv3d,
  Dropout1d,
  Dropout3d,
  GroupNorm,
  InstanceNorm1d,
  InstanceNorm2d,
  LayerNorm,
  LocalResponseNorm,
  type Module,
  Sequential,
  assignParameter,
} from '@gradstream/core/nn';
import { OnnxExportError, exportOnnx } from '@gradstream/models';
import { maxRelativeError, runOrt, session } from './onnx-helpers.js';

/** Random affine parameters and running statistics, so no layer is the identity it starts as. */
function randomize(model: Module): Module {
  noGrad(() => {
    for (const [name, t] of model.stateDict()) {
      if (name.endsWith('num_batches_tracked')) continue;
      const positive = name.endsWith('running_var') || name.endsWith('weight');
      assignParameter(t, positive ? uniform([...t.shape], 0.5, 1.5) : randn([...t.shape], 0, 0.5));
    }
  });
  return model;
}

async function exportedError(model: Module, x: Tensor): Promise<number> {
  model.eval();
  const bytes = exportOnnx(model, { inputShape: [1, ...x.shape.slice(1)] });
  const ours = noGrad(() => model.call(x)).dataSync();
  return maxRelativeError(ours, await runOrt(await session(bytes), x));
}

const CASES: readonly [string, () => Module, number[]][] = [
  ['BatchNorm3d', () => new Sequential([new Conv3d(2, 3, 2), new BatchNorm3d(3)]), [2, 4, 4, 3]],
  ['InstanceNorm2d affine, batch statistics', () => new InstanceNorm2d(3, { affine: true }), [3, 5, 4]],
  ['InstanceNorm1d plain', () => new InstanceNorm1d(4), [4, 7]],
  [
    'InstanceNorm1d tracked (eval uses running statistics)',
    () => new InstanceNorm1d(4, { trackRunningStats: true, affine: true }),
    [4, 7],
  ],
  ['LayerNorm over [C, L]', () => new LayerNorm([3, 5]), [3, 5]],
  ['LayerNorm over L, no affine', () => new LayerNorm(6, { elementwiseAffine: false, eps: 1e-3 }), [2, 6]],
  ['LocalResponseNorm AlexNet', () => new LocalResponseNorm(5, { alpha: 1e-2, beta: 0.75, k: 2 }), [7, 3, 3]],
  ['LocalResponseNorm size 3', () => new LocalResponseNorm(3, { alpha: 0.5 }), [4, 2, 2]],
  ['Dropout1d in eval', () => new Sequential([new Conv1d(2, 2, 1), new Dropout1d(0.5)]), [2, 5]],
  ['Dropout3d in eval', () => new Sequential([new Conv3d(1, 2, 1), new Dropout3d(0.5)]), [1, 2, 2, 2]],
];

describe('normalization layers in onnxruntime', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it.each(CASES)('%s matches at batch 3 within 1e-4', async (_, build, sample) => {
    setSeed(19);
    const model = randomize(build());
    expect(await exportedError(model, randn([3, ...sample], 0, 2))).toBeLessThan(1e-4);
  });

  it.each([
    ['GroupNorm', () => new Sequential({ norm: new GroupNorm(2, 4) }), [1, 4, 3], 'norm', 'has no ONNX mapping'],
    [
      'even-size LocalResponseNorm',
      () => new Sequential({ lrn: new LocalResponseNorm(4) }),
      [1, 4, 3, 3],
      'lrn',
      'even size 4',
    ],
    ['unbatched InstanceNorm', () => new Sequential({ inorm: new InstanceNorm2d(4) }), [4, 3, 3], 'inorm', 'unbatched'],
  ] as const)('%s is refused with the module path and class', (_, build, inputShape, path, reason) => {
    let error: unknown;
    try {
      exportOnnx(build(), { inputShape: [...inputShape] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OnnxExportError);
    expect((error as OnnxExportError).code).toBe('unsupported-module');
    expect((error as OnnxExportError).path).toBe(path);
    expect((error as OnnxExportError).message).toContain(reason);
  });
});
