import { Conv2d, edges, gabor, initFilters, type Module } from '@gradstream/core/nn';
import { UsageError } from '../command-line/usage-error.js';

/**
 * What the first convolution starts from and whether it trains: the classic
 * texts' question "who determines the masks?" as a flag.
 * - learned: the model's own random init, trained (the default);
 * - gabor: Gabor wavelets, half as many orientations as channels, even and odd phase, fixed;
 * - edges: the classic vertical/horizontal kernels, Sobel x/y and two Laplacians, fixed;
 * - random-frozen: the model's own random init, fixed.
 */
export const FIRST_LAYER_NAMES = ['learned', 'gabor', 'edges', 'random-frozen'] as const;

/** A --first-layer value. */
export type FirstLayerName = (typeof FIRST_LAYER_NAMES)[number];

/** The first Conv2d in pre-order (LeNet-5's `features.0`) and its dotted path. */
export function firstConv(model: Module): [string, Conv2d] | undefined {
  const found = model.namedModules().find(([, m]) => m instanceof Conv2d);
  return found as [string, Conv2d] | undefined;
}

/**
 * Sets the first convolution of `model` as `choice` says (fixed filters are
 * frozen, so the optimizer and the backward pass skip them) and returns its
 * path. `learned` leaves the model as built.
 * @throws UsageError when the model has no Conv2d.
 */
export function applyFirstLayer(model: Module, choice: FirstLayerName): string {
  const found = firstConv(model);
  if (!found) throw new UsageError(`--first-layer ${choice}: the model has no Conv2d layer`);
  const [path, conv] = found;
  if (choice === 'gabor')
    initFilters(conv, gabor({ orientations: Math.max(1, Math.ceil(conv.outChannels / 2)) }), { fixed: true });
  else if (choice === 'edges') initFilters(conv, edges(), { fixed: true });
  else if (choice === 'random-frozen') conv.freeze();
  return path;
}
