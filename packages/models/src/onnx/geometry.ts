import type { Shape } from '@gradstream/core';
import type { ConvLayerOptions } from '@gradstream/core/nn';

// Core resolves these options inside its ops and keeps the resolvers
// internal; an exporter only needs the result as ONNX attributes, so this
// file turns a layer's options into them. ONNX Runtime checks the outcome:
// a wrong stride or pad changes the output shape or values in the tests.

/** One entry per spatial dim: a number for all, or the list as given. */
export function perDim(value: number | readonly number[] | undefined, rank: number, fallback: number): number[] {
  if (value === undefined) return new Array<number>(rank).fill(fallback);
  return typeof value === 'number' ? new Array<number>(rank).fill(value) : [...value];
}

/** ONNX `pads` ([begin…, end…]) for a Padding; 'same' as PyTorch pads it (the odd pixel after). */
export function onnxPads(
  padding: ConvLayerOptions['padding'],
  spatial: Shape,
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
): number[] {
  const rank = spatial.length;
  let pairs: [number, number][];
  if (padding === undefined || padding === 'valid') pairs = spatial.map(() => [0, 0]);
  else if (padding === 'same')
    pairs = spatial.map((n, i) => {
      const total = Math.max((Math.ceil(n / stride[i]!) - 1) * stride[i]! + dilation[i]! * (kernel[i]! - 1) + 1 - n, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  else if (typeof padding === 'number' || typeof padding[0] === 'number')
    pairs = perDim(padding as number | readonly number[], rank, 0).map((p) => [p, p]);
  else pairs = (padding as readonly (readonly [number, number])[]).map(([a, b]) => [a, b]);
  return [...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])];
}
