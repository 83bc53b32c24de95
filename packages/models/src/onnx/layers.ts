import type { Shape } from '@gradstream/core';
import {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
  AvgPool1d,
  AvgPool2d,
  AvgPool3d,
  BatchNorm1d,
  BatchNorm2d,
  BatchNorm3d,
  Conv1d,
  Conv2d,
  Conv3d,
  ConvTranspose1d,
  ConvTranspose2d,
  ConvTranspose3d,
  Dropout,
  Dropout1d,
  Dropout2d,
  Dropout3d,
  Flatten,
  GlobalAvgPool,
  Identity,
  InstanceNorm1d,
  InstanceNorm2d,
  InstanceNorm3d,
  LayerNorm,
  LeakyReLU,
  Linear,
  LocalResponseNorm,
  LogSoftmax,
  LpPool1d,
  LpPool2d,
  LpPool3d,
  MaxPool1d,
  MaxPool2d,
  MaxPool3d,
  type Module,
  ReLU,
  Sigmoid,
  Softmax,
  Tanh,
} from '@gradstream/core/nn';
import { adaptiveAvgPool, adaptiveMaxPool } from './adaptive.js';
import { OnnxExportError, describeModule } from './errors.js';
import { onnxPads, perDim } from './geometry.js';
import type { GraphBuilder } from './graph.js';
import { flattenOrReshape } from './reshape.js';

/** What a layer's exporter sees: its input value, the traced shapes, and where it sits in the model. */
export interface LayerContext<M extends Module> {
  readonly module: M;
  readonly path: string;
  readonly graph: GraphBuilder;
  readonly x: string;
  readonly xShape: Shape;
  readonly yShape: Shape;
  readonly dynamicBatch: boolean;
}

type LayerExporter<M extends Module> = (c: LayerContext<M>) => string;

interface LayerRule<M extends Module> {
  readonly type: abstract new (...args: never[]) => M;
  readonly write: LayerExporter<M>;
}

const rule = <M extends Module>(type: abstract new (...args: never[]) => M, write: LayerExporter<M>): LayerRule<M> => ({
  type,
  write,
});

function refuse(c: LayerContext<Module>, why: string): never {
  throw new OnnxExportError(
    'unsupported-module',
    c.path,
    c.module.constructor.name,
    `${describeModule(c.path, c.module.constructor.name)} ${why}`,
  );
}

/** ONNX Pad's mode for each non-zero padding mode, and the opset that has it. */
const PAD_MODES = { reflect: ['reflect', 11], replicate: ['edge', 11], circular: ['wrap', 19] } as const;

function conv(c: LayerContext<Conv1d | Conv2d | Conv3d>): string {
  const { weight, bias, options } = c.module;
  const rank = weight.rank - 2;
  const kernel = weight.shape.slice(2);
  const strides = perDim(options.stride, rank, 1);
  const dilations = perDim(options.dilation, rank, 1);
  let pads = onnxPads(options.padding, c.xShape.slice(2), kernel, strides, dilations);
  let x = c.x;
  const mode = options.paddingMode ?? 'zeros';
  if (mode !== 'zeros') {
    // As the layer does: pad the input in that mode, then convolve unpadded.
    const [onnxMode, since] = PAD_MODES[mode];
    if (c.graph.opset < since) refuse(c, `pads in mode '${mode}', which ONNX Pad has from opset ${since}`);
    const all = [0, 0, ...pads.slice(0, rank), 0, 0, ...pads.slice(rank)];
    x = c.graph.node('Pad', [x, c.graph.int64s(`${c.path}.pads`, all)], c.path, { mode: onnxMode });
    pads = pads.map(() => 0);
  }
  const inputs = [x, c.graph.tensor(weight, `${c.path}.weight`)];
  if (bias) inputs.push(c.graph.tensor(bias, `${c.path}.bias`));
  return c.graph.node('Conv', inputs, c.path, {
    kernel_shape: kernel,
    strides,
    pads,
    dilations,
    group: options.groups ?? 1,
  });
}

function convTranspose(c: LayerContext<ConvTranspose1d | ConvTranspose2d | ConvTranspose3d>): string {
  const { weight, bias, options } = c.module;
  const rank = weight.rank - 2;
  const padding = perDim(options.padding, rank, 0);
  const inputs = [c.x, c.graph.tensor(weight, `${c.path}.weight`)];
  if (bias) inputs.push(c.graph.tensor(bias, `${c.path}.bias`));
  return c.graph.node('ConvTranspose', inputs, c.path, {
    kernel_shape: weight.shape.slice(2),
    strides: perDim(options.stride, rank, 1),
    pads: [...padding, ...padding],
    dilations: perDim(options.dilation, rank, 1),
    output_padding: perDim(options.outputPadding, rank, 0),
    group: options.groups ?? 1,
  });
}

function linear(c: LayerContext<Linear>): string {
  const { weight, bias } = c.module;
  const w = c.graph.tensor(weight, `${c.path}.weight`);
  if (c.xShape.length === 2) {
    const inputs = [c.x, w];
    if (bias) inputs.push(c.graph.tensor(bias, `${c.path}.bias`));
    return c.graph.node('Gemm', inputs, c.path, { transB: 1 });
  }
  // Gemm is 2-D only; over leading batch dims Linear is x·Wᵀ (+ b), broadcast.
  const wt = c.graph.node('Transpose', [w], c.path, { perm: [1, 0] });
  const y = c.graph.node('MatMul', [c.x, wt], c.path);
  return bias ? c.graph.node('Add', [y, c.graph.tensor(bias, `${c.path}.bias`)], c.path) : y;
}

type Normalization = BatchNorm1d | BatchNorm2d | BatchNorm3d | InstanceNorm1d | InstanceNorm2d | InstanceNorm3d;

function batchNorm(c: LayerContext<Normalization>): string {
  const { weight, bias, runningMean, runningVar, eps, numFeatures } = c.module;
  if (!runningMean || !runningVar)
    refuse(c, 'has no running statistics (trackRunningStats: false), so even in eval it normalizes by batch');
  const ones = () => c.graph.floats(`${c.path}.unit_scale`, [numFeatures], new Float32Array(numFeatures).fill(1));
  const zeros = () => c.graph.floats(`${c.path}.zero_shift`, [numFeatures], new Float32Array(numFeatures));
  return c.graph.node(
    'BatchNormalization',
    [
      c.x,
      weight ? c.graph.tensor(weight, `${c.path}.weight`) : ones(),
      bias ? c.graph.tensor(bias, `${c.path}.bias`) : zeros(),
      c.graph.tensor(runningMean, `${c.path}.running_mean`),
      c.graph.tensor(runningVar, `${c.path}.running_var`),
    ],
    c.path,
    { epsilon: { float: eps } },
  );
}

/** Instance norm in eval: by its running statistics (a BatchNormalization) or by each instance's own. */
function instanceNorm(c: LayerContext<InstanceNorm1d | InstanceNorm2d | InstanceNorm3d>): string {
  const { weight, bias, eps, numFeatures, runningMean, spatialRank } = c.module;
  if (c.xShape.length !== spatialRank + 2) refuse(c, 'has unbatched input, and ONNX normalizes N×C×… tensors only');
  if (runningMean) return batchNorm(c);
  return c.graph.node(
    'InstanceNormalization',
    [
      c.x,
      weight
        ? c.graph.tensor(weight, `${c.path}.weight`)
        : c.graph.floats(`${c.path}.unit_scale`, [numFeatures], new Float32Array(numFeatures).fill(1)),
      bias
        ? c.graph.tensor(bias, `${c.path}.bias`)
        : c.graph.floats(`${c.path}.zero_shift`, [numFeatures], new Float32Array(numFeatures)),
    ],
    c.path,
    { epsilon: { float: eps } },
  );
}

function layerNorm(c: LayerContext<LayerNorm>): string {
  const { weight, bias, eps, normalizedShape } = c.module;
  const size = normalizedShape.reduce((a, b) => a * b, 1);
  const inputs = [
    c.x,
    weight
      ? c.graph.tensor(weight, `${c.path}.weight`)
      : c.graph.floats(`${c.path}.unit_scale`, normalizedShape, new Float32Array(size).fill(1)),
  ];
  if (bias) inputs.push(c.graph.tensor(bias, `${c.path}.bias`));
  return c.graph.node('LayerNormalization', inputs, c.path, {
    axis: -normalizedShape.length,
    epsilon: { float: eps },
  });
}

/** ONNX LRN centres an even window one channel later than torch does, so only odd sizes map. */
function localResponseNorm(c: LayerContext<LocalResponseNorm>): string {
  const { size, alpha, beta, k } = c.module;
  if (size % 2 === 0) refuse(c, `has an even size ${size}, whose window ONNX LRN places one channel later than torch`);
  return c.graph.node('LRN', [c.x], c.path, {
    size,
    alpha: { float: alpha },
    beta: { float: beta },
    bias: { float: k },
  });
}

/** Kernel and strides of a pool (the stride defaults to the kernel). */
function window(kernelSize: number | readonly number[], stride: number | readonly number[] | undefined, rank: number) {
  const kernel = perDim(kernelSize, rank, 1);
  return { kernel, strides: stride === undefined ? kernel : perDim(stride, rank, 1) };
}

function maxPool(c: LayerContext<MaxPool1d | MaxPool2d | MaxPool3d>): string {
  const { kernelSize, options } = c.module;
  const rank = c.xShape.length - 2;
  const { kernel, strides } = window(kernelSize, options.stride, rank);
  const dilations = perDim(options.dilation, rank, 1);
  return c.graph.node('MaxPool', [c.x], c.path, {
    kernel_shape: kernel,
    strides,
    pads: onnxPads(options.padding, c.xShape.slice(2), kernel, strides, dilations),
    dilations,
    ceil_mode: options.ceilMode ? 1 : 0,
  });
}

function avgPool(c: LayerContext<AvgPool1d | AvgPool2d | AvgPool3d>): string {
  const { kernelSize, options } = c.module;
  const rank = c.xShape.length - 2;
  const { kernel, strides } = window(kernelSize, options.stride, rank);
  const pads = onnxPads(options.padding, c.xShape.slice(2), kernel, strides, perDim(1, rank, 1));
  if (options.divisorOverride !== undefined) return windowSum(c, kernel, strides, pads, options.divisorOverride);
  return c.graph.node('AveragePool', [c.x], c.path, {
    kernel_shape: kernel,
    strides,
    pads,
    ceil_mode: options.ceilMode ? 1 : 0,
    count_include_pad: (options.countIncludePad ?? true) ? 1 : 0,
  });
}

/**
 * Each window's sum over the input it covers, divided by `divisor`
 * (divisorOverride, which AveragePool cannot express): a depthwise Conv with
 * a constant 1/divisor kernel over the zero-padded input. The end padding is
 * set so the Conv yields the traced output size, ceilMode's extra windows
 * included (zeros past the end add nothing to a sum).
 */
function windowSum(
  c: LayerContext<Module>,
  kernel: readonly number[],
  strides: readonly number[],
  pads: readonly number[],
  divisor: number,
): string {
  const rank = kernel.length;
  const channels = c.xShape[1]!;
  const ends = kernel.map((k, i) =>
    Math.max(0, (c.yShape[i + 2]! - 1) * strides[i]! + k - c.xShape[i + 2]! - pads[i]!),
  );
  const size = kernel.reduce((a, b) => a * b, 1);
  const weights = c.graph.floats(
    `${c.path}.window_sum`,
    [channels, 1, ...kernel],
    new Float32Array(channels * size).fill(1 / divisor),
  );
  return c.graph.node('Conv', [c.x, weights], c.path, {
    kernel_shape: [...kernel],
    strides: [...strides],
    pads: [...pads.slice(0, rank), ...ends],
    group: channels,
  });
}

function lpPool(c: LayerContext<LpPool1d | LpPool2d | LpPool3d>): string {
  const { p, kernelSize, options } = c.module;
  // ONNX LpPool raises |x| to p; ours raises x, which agrees for even p only.
  if (!Number.isInteger(p) || p % 2 !== 0)
    refuse(c, `has power p = ${p}; ONNX LpPool sums |x|^p with an integer p, which matches only for even p`);
  const { kernel, strides } = window(kernelSize, options.stride, c.xShape.length - 2);
  if (!options.ceilMode) return c.graph.node('LpPool', [c.x], c.path, { p, kernel_shape: kernel, strides });
  // With ceilMode, PyTorch (and we) scale a window cut short by the input's end
  // up to the full kernel (k · the average of xᵖ over what is there); ONNX
  // LpPool sums only what is there. The composition says ours at every opset.
  const size = kernel.reduce((a, b) => a * b, 1);
  const scalar = (name: string, v: number) => c.graph.floats(`${c.path}.${name}`, [], Float32Array.of(v));
  const powered = c.graph.node('Pow', [c.x, scalar('p', p)], c.path);
  const mean = c.graph.node('AveragePool', [powered], c.path, {
    kernel_shape: kernel,
    strides,
    ceil_mode: 1,
    count_include_pad: 1,
  });
  const sums = c.graph.node('Mul', [mean, scalar('kernel_size', size)], c.path);
  return c.graph.node('Pow', [sums, scalar('inverse_p', 1 / p)], c.path);
}

const identity = (c: LayerContext<Module>): string => c.x;

/**
 * Layers written as ONNX nodes directly, checked in order with instanceof.
 * Dropout is the identity: export writes the eval-mode graph.
 */
const RULES: readonly LayerRule<never>[] = [
  rule(Conv1d, conv),
  rule(Conv2d, conv),
  rule(Conv3d, conv),
  rule(ConvTranspose1d, convTranspose),
  rule(ConvTranspose2d, convTranspose),
  rule(ConvTranspose3d, convTranspose),
  rule(Linear, linear),
  rule(BatchNorm1d, batchNorm),
  rule(BatchNorm2d, batchNorm),
  rule(BatchNorm3d, batchNorm),
  rule(InstanceNorm1d, instanceNorm),
  rule(InstanceNorm2d, instanceNorm),
  rule(InstanceNorm3d, instanceNorm),
  rule(LayerNorm, layerNorm),
  rule(LocalResponseNorm, localResponseNorm),
  rule(MaxPool1d, maxPool),
  rule(MaxPool2d, maxPool),
  rule(MaxPool3d, maxPool),
  rule(AvgPool1d, avgPool),
  rule(AvgPool2d, avgPool),
  rule(AvgPool3d, avgPool),
  rule(LpPool1d, lpPool),
  rule(LpPool2d, lpPool),
  rule(LpPool3d, lpPool),
  rule(AdaptiveAvgPool1d, adaptiveAvgPool),
  rule(AdaptiveAvgPool2d, adaptiveAvgPool),
  rule(AdaptiveAvgPool3d, adaptiveAvgPool),
  rule(AdaptiveMaxPool1d, adaptiveMaxPool),
  rule(AdaptiveMaxPool2d, adaptiveMaxPool),
  rule(AdaptiveMaxPool3d, adaptiveMaxPool),
  rule(GlobalAvgPool, (c) => c.graph.node('GlobalAveragePool', [c.x], c.path)),
  rule(ReLU, (c) => c.graph.node('Relu', [c.x], c.path)),
  rule(LeakyReLU, (c) => c.graph.node('LeakyRelu', [c.x], c.path, { alpha: { float: c.module.negativeSlope } })),
  rule(Tanh, (c) => c.graph.node('Tanh', [c.x], c.path)),
  rule(Sigmoid, (c) => c.graph.node('Sigmoid', [c.x], c.path)),
  rule(Softmax, (c) => c.graph.node('Softmax', [c.x], c.path, { axis: c.module.axis })),
  rule(LogSoftmax, (c) => c.graph.node('LogSoftmax', [c.x], c.path, { axis: c.module.axis })),
  rule(Flatten, (c) => flattenOrReshape(c.graph, c.path, c.x, c.xShape, c.yShape, c.dynamicBatch, c.module)),
  rule(Dropout, identity),
  rule(Dropout1d, identity),
  rule(Dropout2d, identity),
  rule(Dropout3d, identity),
  rule(Identity, identity),
] as unknown as readonly LayerRule<never>[];

/** The exporter of a layer ONNX has a node for, or undefined for containers and unsupported layers. */
export function layerExporter(m: Module): LayerExporter<Module> | undefined {
  const found = RULES.find((r) => m instanceof r.type);
  return found?.write as LayerExporter<Module> | undefined;
}
