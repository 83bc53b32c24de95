import { type Padding, perDim, resolvePadding } from '../ops/conv-geometry.js';
import { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d } from '../ops/conv.js';
import { pad } from '../ops/pad.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, fmtValue } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { assertPositiveIntegers } from './arguments.js';
import { defaultUniform } from './init.js';
import { type FloatDType, Module } from './module.js';

/** Options of Conv1d/2d/3d, as torch.nn.Conv2d's keyword arguments. */
export interface ConvLayerOptions {
  readonly stride?: number | readonly number[];
  /** A number, one per dim, [before, after] per dim, 'valid' or 'same'. */
  readonly padding?: Padding;
  readonly dilation?: number | readonly number[];
  readonly groups?: number;
  /** Learn a per-channel bias (default true). */
  readonly bias?: boolean;
  readonly dtype?: FloatDType;
  /**
   * What the padding holds, as PyTorch's padding_mode: 'zeros' (default),
   * or the input 'reflect'ed, 'replicate'd or wrapped around ('circular').
   */
  readonly paddingMode?: PaddingMode;
}

/** PyTorch's padding_mode of the convolution layers. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

const CONV = [conv1d, conv2d, conv3d] as const;
const CONV_TRANSPOSE = [convTranspose1d, convTranspose2d, convTranspose3d] as const;

function checkGroups(op: string, inChannels: number, outChannels: number, groups: number): void {
  if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new ArgumentError(
      op,
      `groups ${fmtValue(groups)} must be a positive integer dividing in channels ${inChannels} and out channels ${outChannels}`,
    );
  }
}

/** Shared by Conv1d/2d/3d: weight [out, in/groups, …kernel], bias [out], PyTorch's default init. */
abstract class ConvNd extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;
  private readonly kernel: readonly number[];

  constructor(
    private readonly rank: 1 | 2 | 3,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly number[],
    /** The options the layer was built with (exporters read its geometry here). */
    readonly options: ConvLayerOptions,
  ) {
    super();
    const op = `Conv${rank}d`;
    checkOptions(op, options, ['stride', 'padding', 'dilation', 'groups', 'bias', 'dtype', 'paddingMode']);
    assertPositiveIntegers(op, { inChannels, outChannels });
    const groups = options.groups ?? 1;
    checkGroups(op, inChannels, outChannels, groups);
    const kernel = perDim(op, 'kernelSize', kernelSize, rank, 1, 1);
    this.kernel = kernel;
    const mode = options.paddingMode ?? 'zeros';
    if (!PADDING_MODES.includes(mode))
      throw new ArgumentError(op, `paddingMode must be one of ${PADDING_MODES.join(', ')}, got ${fmtValue(mode)}`);
    if (
      mode !== 'zeros' &&
      options.padding === 'same' &&
      perDim(op, 'stride', options.stride, rank, 1, 1).some((s) => s !== 1)
    )
      throw new ArgumentError(op, "padding 'same' needs stride 1, as in PyTorch");
    const fanIn = (inChannels / groups) * sizeOf(kernel);
    const dtype = options.dtype ?? 'float32';
    this.weight = this.addParameter(
      'weight',
      defaultUniform([outChannels, inChannels / groups, ...kernel], fanIn, dtype),
    );
    this.bias =
      (options.bias ?? true) ? this.addParameter('bias', defaultUniform([outChannels], fanIn, dtype)) : undefined;
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups, paddingMode = 'zeros' } = this.options;
    const conv = CONV[this.rank - 1]!;
    if (paddingMode === 'zeros' || x.rank !== this.rank + 2)
      return conv(x, this.weight, { stride, padding, dilation, groups, bias: this.bias });
    // As PyTorch: pad the input in the chosen mode, then convolve without padding.
    const op = `conv${this.rank}d`;
    const strides = perDim(op, 'stride', stride, this.rank, 1, 1);
    const dilations = perDim(op, 'dilation', dilation, this.rank, 1, 1);
    const pairs = resolvePadding(op, padding, this.rank, x.shape.slice(2), this.kernel, strides, dilations);
    const padded = pad(x, [[0, 0], [0, 0], ...pairs], { mode: paddingMode });
    return conv(padded, this.weight, { stride, dilation, groups, bias: this.bias });
  }
}

/**
 * 1-D convolution over N×C×L, as torch.nn.Conv1d.
 * @example `new Conv1d(2, 4, 3, { padding: 1 }).call(randn([1, 2, 10])).shape // [1, 4, 10]`
 */
export class Conv1d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions = {},
  ) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * 2-D convolution over N×C×H×W, as torch.nn.Conv2d.
 *
 * @example
 * ```ts
 * const conv = new Conv2d(3, 16, 3, { padding: 1, stride: 2 });
 * conv.call(randn([8, 3, 32, 32])).shape; // [8, 16, 16, 16]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions = {},
  ) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
}

/** 3-D convolution over N×C×D×H×W, as torch.nn.Conv3d. */
export class Conv3d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions = {},
  ) {
    super(3, inChannels, outChannels, kernelSize, options);
  }
}

/** Options of the transposed convolutions, as torch.nn.ConvTranspose2d. */
export interface ConvTransposeLayerOptions {
  readonly stride?: number | readonly number[];
  readonly padding?: number | readonly number[];
  readonly outputPadding?: number | readonly number[];
  readonly dilation?: number | readonly number[];
  readonly groups?: number;
  readonly bias?: boolean;
  readonly dtype?: FloatDType;
}

/** Shared by ConvTranspose1d/2d/3d: weight [in, out/groups, …kernel] as in PyTorch. */
abstract class ConvTransposeNd extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;

  constructor(
    private readonly rank: 1 | 2 | 3,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly number[],
    /** The options the layer was built with (exporters read its geometry here). */
    readonly options: ConvTransposeLayerOptions,
  ) {
    super();
    const op = `ConvTranspose${rank}d`;
    checkOptions(op, options, ['stride', 'padding', 'outputPadding', 'dilation', 'groups', 'bias', 'dtype']);
    assertPositiveIntegers(op, { inChannels, outChannels });
    const groups = options.groups ?? 1;
    checkGroups(op, inChannels, outChannels, groups);
    const kernel = perDim(op, 'kernelSize', kernelSize, rank, 1, 1);
    // PyTorch derives fan_in from weight dim 1, which here is out/groups.
    const fanIn = (outChannels / groups) * sizeOf(kernel);
    const dtype = options.dtype ?? 'float32';
    this.weight = this.addParameter(
      'weight',
      defaultUniform([inChannels, outChannels / groups, ...kernel], fanIn, dtype),
    );
    this.bias =
      (options.bias ?? true) ? this.addParameter('bias', defaultUniform([outChannels], fanIn, dtype)) : undefined;
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, outputPadding, dilation, groups } = this.options;
    return CONV_TRANSPOSE[this.rank - 1]!(x, this.weight, {
      stride,
      padding,
      outputPadding,
      dilation,
      groups,
      bias: this.bias,
    });
  }
}

/** 1-D transposed convolution, as torch.nn.ConvTranspose1d. */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvTransposeLayerOptions = {},
  ) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * 2-D transposed convolution, as torch.nn.ConvTranspose2d.
 *
 * @example
 * ```ts
 * new ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }).call(randn([1, 8, 7, 7])).shape; // [1, 4, 14, 14]
 * ```
 */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvTransposeLayerOptions = {},
  ) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
}

/** 3-D transposed convolution, as torch.nn.ConvTranspose3d. */
export class ConvTranspose3d extends ConvTransposeNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvTransposeLayerOptions = {},
  ) {
    super(3, inChannels, outChannels, kernelSize, options);
  }
}
