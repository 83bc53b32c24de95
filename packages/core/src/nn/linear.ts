import { add } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import type { Tensor } from '../tensor/tensor.js';
import { assertPositiveIntegers } from './arguments.js';
import { defaultUniform } from './init.js';
import { type FloatDType, Module } from './module.js';
import { checkOptions } from '../util/options.js';

/** Options of Linear. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  readonly bias?: boolean;
  readonly dtype?: FloatDType;
}

/**
 * y = x·Wᵀ + b over the last dimension, as torch.nn.Linear: weight
 * [out, in], bias [out], both U(−1/√in, 1/√in).
 *
 * @example
 * ```ts
 * const fc = new Linear(64, 10);
 * fc.call(randn([8, 64])).shape; // [8, 10]
 * ```
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    assertPositiveIntegers('Linear', { inFeatures, outFeatures });
    checkOptions('Linear', options, ['bias', 'dtype']);
    const dtype = options.dtype ?? 'float32';
    this.weight = this.addParameter('weight', defaultUniform([outFeatures, inFeatures], inFeatures, dtype));
    this.bias =
      (options.bias ?? true) ? this.addParameter('bias', defaultUniform([outFeatures], inFeatures, dtype)) : undefined;
  }

  forward(x: Tensor): Tensor {
    const y = matmul(x, this.weight, { transposeB: true });
    return this.bias ? add(y, this.bias) : y;
  }
}
