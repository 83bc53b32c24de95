import { checkOptions, setSeed } from '@gradstream/core';

/** Options every model builder takes. */
export interface ModelOptions {
  /** Size of the classifier output (default 1000 for ImageNet architectures, 10 for LeNet-5). */
  readonly numClasses?: number;
  /** Channels of the input image (default 3; 1 for LeNet-5). */
  readonly inChannels?: number;
  /** Seeds core's generator before any weight is drawn, so the same seed gives the same model. */
  readonly seed?: number;
}

/** The keys of ModelOptions, for builders that take ModelOptions plus their own. */
export const MODEL_OPTIONS = ['numClasses', 'inChannels', 'seed'] as const;

/** Rejects keys a builder does not know (`where` names it), then seeds and builds. */
export function built<O extends ModelOptions, M>(
  where: string,
  options: O,
  own: readonly (keyof O & string)[],
  build: () => M,
): M {
  checkOptions(where, options, [...MODEL_OPTIONS, ...own]);
  return seeded(options.seed, build);
}

/** Seeds the global generator (when a seed is given) and builds. */
export function seeded<M>(seed: number | undefined, build: () => M): M {
  if (seed !== undefined) setSeed(seed);
  return build();
}
