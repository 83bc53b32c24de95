import { Random, tensor } from '@gradstream/core';
import { Conv2d, type Module } from '@gradstream/core/nn';
import { predict } from '@gradstream/core/train';
import type { ImageShape, Sample, Transform } from '@gradstream/datasets';
import type { FeatureMaps } from '../render/feature-maps.js';
import type { ConvWeight } from '../render/filters.js';

/** The first 2-D convolution in module order, with its state-dict path: the layer whose kernels are worth looking at. */
export function firstConv(model: Module): { readonly name: string; readonly conv: Conv2d } | undefined {
  const found = model.namedModules().find(([, m]) => m instanceof Conv2d);
  return found && { name: found[0], conv: found[1] as Conv2d };
}

/** A conv layer's kernels copied off the backend. */
export function convWeight(conv: Conv2d): ConvWeight {
  const [o, i, h, w] = conv.weight.shape as [number, number, number, number];
  return { data: conv.weight.dataSync(), shape: [o, i, h, w] };
}

/**
 * The outputs of `conv` (one map per output channel) when `model` sees
 * `sample`, preprocessed by the training transform so the maps are what the
 * trained model computes. Runs in eval mode without gradients.
 */
export function featureMaps(
  model: Module,
  conv: Conv2d,
  sample: Sample,
  imageShape: ImageShape,
  transform?: Transform,
): FeatureMaps {
  const [c, h, w] = imageShape;
  const raw = { x: Float32Array.from(sample.image), y: Int32Array.of(sample.label), shape: [1, c, h, w] as const };
  // normalize ignores the generator; augmenting transforms are not used for evaluation data.
  const batch = transform ? transform(raw, new Random(0)) : raw;
  let maps: FeatureMaps | undefined;
  const remove = conv.addForwardHook((_m, _x, y) => {
    const [, channels, mh, mw] = y.shape as [number, number, number, number];
    // Copied inside the hook: predict's tidy scope frees y when the forward pass returns.
    maps = { data: y.dataSync().slice(0, channels * mh * mw), shape: [channels, mh, mw] };
  });
  const x = tensor(batch.x, [...batch.shape], 'float32');
  try {
    predict(model, x).dispose();
  } finally {
    remove();
    x.dispose();
  }
  return maps!;
}
