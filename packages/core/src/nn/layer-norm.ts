import { groupNorm, layerNorm } from '../ops/normalization.js';
import { full } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, fmtShape } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { type FloatDType, Module } from './module.js';
import { assertPositiveIntegers } from './arguments.js';

/** Options of LayerNorm, with PyTorch 1.13's defaults. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
  /** Learn an elementwise weight and bias of shape normalizedShape (default true). */
  readonly elementwiseAffine?: boolean;
  readonly dtype?: FloatDType;
}

/**
 * Layer normalization over the trailing axes `normalizedShape`, as
 * torch.nn.LayerNorm; parameters weight and bias as there.
 *
 * @example
 * ```ts
 * const ln = new LayerNorm([32]);
 * ln.call(randn([4, 10, 32])); // every 32-vector normalized, then scaled and shifted
 * ```
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly weight: Tensor | undefined;
  readonly bias: Tensor | undefined;
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], options?: LayerNormOptions) {
    super();
    const o = checkOptions('LayerNorm', options, ['eps', 'elementwiseAffine', 'dtype']);
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || this.normalizedShape.some((d) => !Number.isInteger(d) || d < 1))
      throw new ArgumentError(
        'LayerNorm',
        `normalizedShape must be positive integers, got ${fmtShape(this.normalizedShape)}`,
      );
    this.eps = o.eps ?? 1e-5;
    const dtype = o.dtype ?? 'float32';
    if (o.elementwiseAffine ?? true) {
      this.weight = this.addParameter('weight', full(this.normalizedShape, 1, dtype));
      this.bias = this.addParameter('bias', full(this.normalizedShape, 0, dtype));
    }
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}

/** Options of GroupNorm, with PyTorch's defaults. */
export interface GroupNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
  /** Learn a per-channel weight and bias (default true). */
  readonly affine?: boolean;
  readonly dtype?: FloatDType;
}

/**
 * Group normalization of N×C×… input, as torch.nn.GroupNorm: the channels
 * in `numGroups` consecutive groups, each normalized per sample;
 * parameters weight and bias per channel.
 *
 * @example
 * ```ts
 * new GroupNorm(8, 32).call(randn([2, 32, 16, 16]));
 * ```
 */
export class GroupNorm extends Module {
  readonly weight: Tensor | undefined;
  readonly bias: Tensor | undefined;
  readonly eps: number;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    options?: GroupNormOptions,
  ) {
    super();
    const o = checkOptions('GroupNorm', options, ['eps', 'affine', 'dtype']);
    assertPositiveIntegers('GroupNorm', { numChannels });
    if (!Number.isInteger(numGroups) || numGroups < 1 || numChannels % numGroups !== 0)
      throw new ArgumentError(
        'GroupNorm',
        `numGroups must be a positive integer dividing numChannels ${numChannels}, got ${numGroups}`,
      );
    this.eps = o.eps ?? 1e-5;
    const dtype = o.dtype ?? 'float32';
    if (o.affine ?? true) {
      this.weight = this.addParameter('weight', full([numChannels], 1, dtype));
      this.bias = this.addParameter('bias', full([numChannels], 0, dtype));
    }
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}
