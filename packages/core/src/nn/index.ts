/**
 * @gradstream/core/nn — modules, layers, losses and metrics, with PyTorch's
 * names, defaults and state-dict keys.
 *
 * @example
 * ```ts
 * import { Sequential, Conv2d, ReLU, MaxPool2d, Flatten, Linear, crossEntropy } from '@gradstream/core/nn';
 * const net = new Sequential([new Conv2d(1, 8, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(8 * 4 * 4, 2)]);
 * const loss = crossEntropy(net.call(x), y);
 * ```
 */
export {
  Module,
  StateDictError,
  type ForwardHook,
  type BackwardHook,
  type FloatDType,
  type ShapeMismatch,
  type LoadStateDictResult,
} from './module.js';
export * as init from './init.js';
export {
  kaimingNormal,
  kaimingUniform,
  xavierNormal,
  xavierUniform,
  glorotNormal,
  glorotUniform,
  calculateGain,
  fanInAndFanOut,
  assignParameter,
  type Nonlinearity,
  type KaimingOptions,
  type XavierOptions,
} from './init.js';
export {
  EDGE_KERNELS,
  edges,
  gabor,
  differenceOfGaussians,
  filterBankWeight,
  initFilters,
  type FilterBank,
  type EdgeKernelName,
  type EdgeOptions,
  type GaborOptions,
  type DogOptions,
  type InitFiltersOptions,
} from './filter-banks.js';
export { Linear, type LinearOptions } from './linear.js';
export {
  Conv1d,
  Conv2d,
  Conv3d,
  ConvTranspose1d,
  ConvTranspose2d,
  ConvTranspose3d,
  type ConvLayerOptions,
  type ConvTransposeLayerOptions,
  type PaddingMode,
} from './conv.js';
export {
  LocallyConnected2d,
  TiledConv2d,
  type LocallyConnected2dOptions,
  type TiledConv2dOptions,
} from './local-conv.js';
export {
  MaxPool1d,
  MaxPool2d,
  MaxPool3d,
  AvgPool1d,
  AvgPool2d,
  AvgPool3d,
  LpPool1d,
  LpPool2d,
  LpPool3d,
  AdaptiveAvgPool2d,
  GlobalAvgPool,
  Maxout,
  type LpPoolOptions,
  type MaxPoolLayerOptions,
  MaxUnpool1d,
  MaxUnpool2d,
  MaxUnpool3d,
  AdaptiveAvgPool1d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
  FractionalMaxPool2d,
  FractionalMaxPool3d,
  type FractionalMaxPoolLayerOptions,
} from './pooling.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  BatchNorm3d,
  InstanceNorm1d,
  InstanceNorm2d,
  InstanceNorm3d,
  type BatchNormOptions,
  type InstanceNormOptions,
} from './normalization.js';
export { LayerNorm, GroupNorm, type LayerNormOptions, type GroupNormOptions } from './layer-norm.js';
export { LocalResponseNorm } from './local-response-norm.js';
export { Dropout, Dropout1d, Dropout2d, Dropout3d } from './dropout.js';
export { ReLU, LeakyReLU, Tanh, Sigmoid, Softmax, LogSoftmax } from './activation.js';
export { Flatten, Identity } from './shape.js';
export {
  Sequential,
  Residual,
  Parallel,
  Inception,
  type ModuleList,
  type ResidualOptions,
  type ParallelOptions,
} from './container.js';
export {
  crossEntropy,
  nllLoss,
  mse,
  bce,
  bceWithLogits,
  l1Loss,
  smoothL1Loss,
  huberLoss,
  klDiv,
  marginRankingLoss,
  type Reduction,
  type LossOptions,
  type LossFn,
  type CrossEntropyOptions,
  type BceWithLogitsOptions,
  type NllLossOptions,
  type BceOptions,
  type SmoothL1LossOptions,
  type HuberLossOptions,
  type KlDivOptions,
  type MarginRankingLossOptions,
} from './loss.js';
export { accuracy, topKAccuracy, confusionMatrix } from './metrics.js';
