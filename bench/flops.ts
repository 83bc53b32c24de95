/**
 * Forward FLOPs of a gradstream model: 2·MACs of its convolutions and linear
 * layers (pooling, normalization and activations are a rounding error),
 * found by running it once with hooks so no architecture is hand-counted.
 * Counted on one sample and scaled: FLOPs are linear in the batch.
 */
import * as gs from '@gradstream/core';
import { Conv2d, Linear, type Module } from '@gradstream/core/nn';

export async function forwardFlops(build: () => Module, inputShape: number[]): Promise<number> {
  await gs.setBackend('cpu');
  const model = build();
  let flops = 0;
  const removers = model
    .namedModules()
    .map(([, m]) => m)
    .filter((m) => m instanceof Conv2d || m instanceof Linear)
    .map((m) =>
      m.addForwardHook((layer, _input, output) => {
        const w = (layer as Conv2d | Linear).weight;
        // Each output element is a dot product over one weight row: size(w) / w.shape[0] MACs.
        flops += (2 * gs.sizeOf(output.shape) * gs.sizeOf(w.shape)) / w.shape[0]!;
      }),
    );
  gs.tidy(() => void model.call(gs.zeros([1, ...inputShape.slice(1)])));
  removers.forEach((remove) => {
    remove();
  });
  model.dispose();
  return flops * inputShape[0]!;
}
