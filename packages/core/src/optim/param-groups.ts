import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';
import { checkOptions } from '../util/options.js';

/** Anything with PyTorch-style named parameters, such as a Module. */
export interface HasNamedParameters {
  namedParameters(): [string, Tensor][];
}

/** Options of paramGroupsNoDecay. */
export interface ParamGroupsNoDecayOptions {
  /** The decay of the decayed group. */
  readonly weightDecay: number;
  /**
   * Which parameters go without decay (default: biases and every parameter
   * of rank ≤ 1, which covers batch-norm and other normalization scales and
   * shifts, as the usual PyTorch recipe does).
   */
  readonly noDecay?: (name: string, param: Tensor) => boolean;
}

const isBiasOrNorm = (name: string, p: Tensor): boolean => name === 'bias' || name.endsWith('.bias') || p.rank <= 1;

/**
 * The usual recipe in one line: two parameter groups, the weights with
 * `weightDecay` and the biases and normalization parameters with none.
 * Both groups are always present (one may be empty), so a state dict's
 * group layout does not depend on the model.
 *
 * @example
 * ```ts
 * const opt = adamW(paramGroupsNoDecay(model, { weightDecay: 0.05 }), { lr: 1e-3 });
 * ```
 */
export function paramGroupsNoDecay(
  model: HasNamedParameters,
  options: ParamGroupsNoDecayOptions,
): [{ params: Tensor[]; weightDecay: number }, { params: Tensor[]; weightDecay: number }] {
  const { weightDecay, noDecay = isBiasOrNorm } = checkOptions('paramGroupsNoDecay', options, [
    'weightDecay',
    'noDecay',
  ]);
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay))
    throw new ArgumentError('paramGroupsNoDecay', `weightDecay must be a non-negative number, got ${weightDecay}`);
  const decay: Tensor[] = [];
  const plain: Tensor[] = [];
  for (const [name, p] of model.namedParameters()) (noDecay(name, p) ? plain : decay).push(p);
  return [
    { params: decay, weightDecay },
    { params: plain, weightDecay: 0 },
  ];
}
