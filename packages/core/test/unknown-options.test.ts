// Walks the public API of every package: each exported function or class
// that takes an options object is called with valid arguments plus a key it
// does not know, and must refuse it with an UnknownOptionError naming itself
// and the key. Every exported function or class is listed either in a probe
// table or in a module's list of entries that take no options object, so a
// new export fails here until someone says which it is.
import '@gradstream/backend-cpu';
import * as wasm from '@gradstream/backend-wasm';
import * as cpu from '@gradstream/backend-cpu';
import * as core from '@gradstream/core';
import * as nn from '@gradstream/core/nn';
import * as optim from '@gradstream/core/optim';
import * as testing from '@gradstream/core/testing';
import * as train from '@gradstream/core/train';
import * as datasets from '@gradstream/datasets';
import * as models from '@gradstream/models';
import { describe, expect, it } from 'vitest';
import { Observable } from 'rxjs';

const { UnknownOptionError, ones, randn, tensor } = core;
/** The key no entry accepts. */
const BOGUS = 'bogusOption';
const bogus = <T extends object>(valid: T = {} as T): T => ({ ...valid, [BOGUS]: 1 }) as T;

/** A probe calls its entry with a bogus key; `name` is what the error must name when it is not the export's own. */
interface Probe {
  readonly call: () => unknown;
  readonly name?: string;
}
const probe = (call: () => unknown, name?: string): Probe => ({ call, name });

/** The error the probe raised: thrown, rejected, or sent down an Observable or an operator's output. */
async function raised(p: Probe): Promise<unknown> {
  try {
    const r = p.call();
    if (r instanceof Promise) await r;
    if (r instanceof Observable)
      await new Promise<void>((resolve, reject) => r.subscribe({ complete: () => resolve(), error: reject }));
  } catch (e) {
    return e;
  }
  return undefined;
}

const x4 = () => randn([1, 1, 4, 4]);
const w3 = () => randn([1, 1, 3, 3]);
const model = () => new nn.Linear(2, 2);
const params = () => model().parameters();
const batches: AsyncIterable<train.Batch> = {
  async *[Symbol.asyncIterator]() {
    yield { x: ones([1, 2]), y: tensor(Int32Array.from([0]), [1], 'int32') };
  },
};
const pooled = (fn: typeof core.maxPool1d, shape: number[]) => fn(randn(shape), 2, { returnIndices: true });

const CORE: Record<string, Probe> = {
  registerBackend: probe(() => core.registerBackend('unknown-options-probe', () => new cpu.CpuBackend(), bogus())),
  sum: probe(() => core.sum(x4(), 0, bogus())),
  mean: probe(() => core.mean(x4(), 0, bogus())),
  variance: probe(() => core.variance(x4(), 0, bogus())),
  max: probe(() => core.max(x4(), 0, bogus())),
  min: probe(() => core.min(x4(), 0, bogus())),
  matmul: probe(() => core.matmul(randn([2, 2]), randn([2, 2]), bogus())),
  conv1d: probe(() => core.conv1d(randn([1, 1, 4]), randn([1, 1, 3]), bogus())),
  conv2d: probe(() => core.conv2d(x4(), w3(), bogus())),
  conv3d: probe(() => core.conv3d(randn([1, 1, 4, 4, 4]), randn([1, 1, 3, 3, 3]), bogus())),
  convTranspose1d: probe(() => core.convTranspose1d(randn([1, 1, 4]), randn([1, 1, 3]), bogus())),
  convTranspose2d: probe(() => core.convTranspose2d(x4(), w3(), bogus())),
  convTranspose3d: probe(() => core.convTranspose3d(randn([1, 1, 4, 4, 4]), randn([1, 1, 3, 3, 3]), bogus())),
  maxPool1d: probe(() => core.maxPool1d(randn([1, 1, 4]), 2, bogus())),
  maxPool2d: probe(() => core.maxPool2d(x4(), 2, bogus())),
  maxPool3d: probe(() => core.maxPool3d(randn([1, 1, 4, 4, 4]), 2, bogus())),
  avgPool1d: probe(() => core.avgPool1d(randn([1, 1, 4]), 2, bogus())),
  avgPool2d: probe(() => core.avgPool2d(x4(), 2, bogus())),
  avgPool3d: probe(() => core.avgPool3d(randn([1, 1, 4, 4, 4]), 2, bogus())),
  lpPool1d: probe(() => core.lpPool1d(randn([1, 1, 4]), 2, 2, bogus())),
  lpPool2d: probe(() => core.lpPool2d(x4(), 2, 2, bogus())),
  lpPool3d: probe(() => core.lpPool3d(randn([1, 1, 4, 4, 4]), 2, 2, bogus())),
  adaptiveMaxPool1d: probe(() => core.adaptiveMaxPool1d(randn([1, 1, 5]), 2, bogus())),
  adaptiveMaxPool2d: probe(() => core.adaptiveMaxPool2d(x4(), 3, bogus())),
  adaptiveMaxPool3d: probe(() => core.adaptiveMaxPool3d(randn([1, 1, 4, 4, 4]), 3, bogus())),
  maxUnpool1d: probe(() => core.maxUnpool1d(...pooled(core.maxPool1d, [1, 1, 4]), 2, bogus())),
  maxUnpool2d: probe(() =>
    core.maxUnpool2d(...pooled(core.maxPool2d as typeof core.maxPool1d, [1, 1, 4, 4]), 2, bogus()),
  ),
  maxUnpool3d: probe(() =>
    core.maxUnpool3d(...pooled(core.maxPool3d as typeof core.maxPool1d, [1, 1, 4, 4, 4]), 2, bogus()),
  ),
  fractionalMaxPool2d: probe(() => core.fractionalMaxPool2d(x4(), 2, bogus({ outputSize: 2 }))),
  fractionalMaxPool3d: probe(() => core.fractionalMaxPool3d(randn([1, 1, 4, 4, 4]), 2, bogus({ outputSize: 2 }))),
  pad: probe(() =>
    core.pad(
      x4(),
      [
        [0, 0],
        [0, 0],
        [1, 1],
        [1, 1],
      ],
      bogus({ mode: 'reflect' as const }),
    ),
  ),
  unfold: probe(() => core.unfold(x4(), 2, bogus())),
  fold: probe(() => core.fold(core.unfold(x4(), 2), [4, 4], 2, bogus())),
  locallyConnected2d: probe(() => core.locallyConnected2d(x4(), randn([4, 1, 9]), 3, bogus())),
  tiledConv2d: probe(() => core.tiledConv2d(x4(), randn([1, 1, 1, 1, 3, 3]), bogus({ tiles: 1 }))),
  formatProfile: probe(() =>
    core.formatProfile(
      core.profile(() => core.add(ones([2]), 1)),
      bogus(),
    ),
  ),
  batchNorm: probe(() => core.batchNorm(x4(), bogus())),
  instanceNorm: probe(() => core.instanceNorm(x4(), bogus())),
  layerNorm: probe(() => core.layerNorm(x4(), [4], bogus())),
  groupNorm: probe(() => core.groupNorm(x4(), 1, bogus())),
  localResponseNorm: probe(() => core.localResponseNorm(x4(), 2, bogus())),
};

const NN: Record<string, Probe> = {
  kaimingUniform: probe(() => nn.kaimingUniform([2, 2], bogus())),
  kaimingNormal: probe(() => nn.kaimingNormal([2, 2], bogus())),
  xavierUniform: probe(() => nn.xavierUniform([2, 2], bogus())),
  xavierNormal: probe(() => nn.xavierNormal([2, 2], bogus())),
  // aliases: the error names the function they alias
  glorotUniform: probe(() => nn.glorotUniform([2, 2], bogus()), 'xavierUniform'),
  glorotNormal: probe(() => nn.glorotNormal([2, 2], bogus()), 'xavierNormal'),
  edges: probe(() => nn.edges(bogus())),
  gabor: probe(() => nn.gabor(bogus())),
  differenceOfGaussians: probe(() => nn.differenceOfGaussians(bogus())),
  initFilters: probe(() => nn.initFilters(new nn.Conv2d(1, 2, 3), nn.edges(), bogus())),
  Linear: probe(() => new nn.Linear(2, 2, bogus())),
  Conv1d: probe(() => new nn.Conv1d(1, 1, 3, bogus())),
  Conv2d: probe(() => new nn.Conv2d(1, 1, 3, bogus())),
  Conv3d: probe(() => new nn.Conv3d(1, 1, 3, bogus())),
  ConvTranspose1d: probe(() => new nn.ConvTranspose1d(1, 1, 3, bogus())),
  ConvTranspose2d: probe(() => new nn.ConvTranspose2d(1, 1, 3, bogus())),
  ConvTranspose3d: probe(() => new nn.ConvTranspose3d(1, 1, 3, bogus())),
  LocallyConnected2d: probe(() => new nn.LocallyConnected2d(1, 1, [4, 4], 3, bogus())),
  TiledConv2d: probe(() => new nn.TiledConv2d(1, 1, 3, bogus({ tiles: 1 }))),
  MaxPool1d: probe(() => new nn.MaxPool1d(2, bogus())),
  MaxPool2d: probe(() => new nn.MaxPool2d(2, bogus())),
  MaxPool3d: probe(() => new nn.MaxPool3d(2, bogus())),
  AvgPool1d: probe(() => new nn.AvgPool1d(2, bogus())),
  AvgPool2d: probe(() => new nn.AvgPool2d(2, bogus())),
  AvgPool3d: probe(() => new nn.AvgPool3d(2, bogus())),
  LpPool1d: probe(() => new nn.LpPool1d(2, 2, bogus())),
  LpPool2d: probe(() => new nn.LpPool2d(2, 2, bogus())),
  LpPool3d: probe(() => new nn.LpPool3d(2, 2, bogus())),
  FractionalMaxPool2d: probe(() => new nn.FractionalMaxPool2d(2, bogus({ outputSize: 2 }))),
  FractionalMaxPool3d: probe(() => new nn.FractionalMaxPool3d(2, bogus({ outputSize: 2 }))),
  BatchNorm1d: probe(() => new nn.BatchNorm1d(2, bogus())),
  BatchNorm2d: probe(() => new nn.BatchNorm2d(2, bogus())),
  BatchNorm3d: probe(() => new nn.BatchNorm3d(2, bogus())),
  InstanceNorm1d: probe(() => new nn.InstanceNorm1d(2, bogus())),
  InstanceNorm2d: probe(() => new nn.InstanceNorm2d(2, bogus())),
  InstanceNorm3d: probe(() => new nn.InstanceNorm3d(2, bogus())),
  LayerNorm: probe(() => new nn.LayerNorm([2], bogus())),
  GroupNorm: probe(() => new nn.GroupNorm(1, 2, bogus())),
  LocalResponseNorm: probe(() => new nn.LocalResponseNorm(2, bogus())),
  Residual: probe(() => new nn.Residual(new nn.Identity(), bogus())),
  Parallel: probe(() => new nn.Parallel([new nn.Identity()], bogus())),
  crossEntropy: probe(() => nn.crossEntropy(randn([2, 3]), tensor(Int32Array.from([0, 1]), [2], 'int32'), bogus())),
  nllLoss: probe(() => nn.nllLoss(randn([2, 3]), tensor(Int32Array.from([0, 1]), [2], 'int32'), bogus())),
  mse: probe(() => nn.mse(randn([2]), randn([2]), bogus())),
  bce: probe(() => nn.bce(core.sigmoid(randn([2])), ones([2]), bogus())),
  bceWithLogits: probe(() => nn.bceWithLogits(randn([2]), ones([2]), bogus())),
  l1Loss: probe(() => nn.l1Loss(randn([2]), randn([2]), bogus())),
  smoothL1Loss: probe(() => nn.smoothL1Loss(randn([2]), randn([2]), bogus())),
  huberLoss: probe(() => nn.huberLoss(randn([2]), randn([2]), bogus())),
  klDiv: probe(() => nn.klDiv(randn([2]), core.sigmoid(randn([2])), bogus())),
  marginRankingLoss: probe(() => nn.marginRankingLoss(randn([2]), randn([2]), ones([2]), bogus())),
};

const lr = { lr: 0.1 };
const OPTIM: Record<string, Probe> = {
  sgd: probe(() => optim.sgd(params(), bogus(lr))),
  adam: probe(() => optim.adam(params(), bogus(lr))),
  adamW: probe(() => optim.adamW(params(), bogus(lr))),
  adamax: probe(() => optim.adamax(params(), bogus(lr))),
  nadam: probe(() => optim.nadam(params(), bogus(lr))),
  radam: probe(() => optim.radam(params(), bogus(lr))),
  adagrad: probe(() => optim.adagrad(params(), bogus(lr))),
  adadelta: probe(() => optim.adadelta(params(), bogus(lr))),
  rmsprop: probe(() => optim.rmsprop(params(), bogus(lr))),
  paramGroupsNoDecay: probe(() => optim.paramGroupsNoDecay(model(), bogus({ weightDecay: 0.1 }))),
  stepLR: probe(() => optim.stepLR(bogus({ lr: 0.1, stepSize: 2 }))),
  multiStepLR: probe(() => optim.multiStepLR(bogus({ lr: 0.1, milestones: [2] }))),
  exponentialLR: probe(() => optim.exponentialLR(bogus({ lr: 0.1, gamma: 0.9 }))),
  constantLR: probe(() => optim.constantLR(bogus(lr))),
  linearLR: probe(() => optim.linearLR(bogus(lr))),
  polynomialLR: probe(() => optim.polynomialLR(bogus(lr))),
  lambdaLR: probe(() => optim.lambdaLR(bogus({ lr: 0.1, lrLambda: () => 1 }))),
  cosineAnnealingLR: probe(() => optim.cosineAnnealingLR(bogus({ lr: 0.1, tMax: 5 }))),
  cosineAnnealingWarmRestarts: probe(() => optim.cosineAnnealingWarmRestarts(bogus({ lr: 0.1, t0: 5 }))),
  cyclicLR: probe(() => optim.cyclicLR(bogus({ baseLr: 0.01, maxLr: 0.1 }))),
  oneCycleLR: probe(() => optim.oneCycleLR(bogus({ maxLr: 0.1, totalSteps: 10 }))),
  linearWarmup: probe(() => optim.linearWarmup(2, 0.1, bogus())),
  sequentialLR: probe(() =>
    optim.sequentialLR(bogus({ schedules: [optim.constantLR(lr), optim.constantLR(lr)], milestones: [2] })),
  ),
  PlateauScheduler: probe(() => new optim.PlateauScheduler(optim.sgd(params(), lr), bogus())),
};

const TRAIN: Record<string, Probe> = {
  fit: probe(() => train.fit(model(), bogus({ train: batches, epochs: 1, optimizer: optim.sgd(params(), lr) }))),
  evaluate: probe(() => train.evaluate(model(), batches, bogus())),
  earlyStopping: probe(() => train.earlyStopping(bogus())),
  checkpoint: probe(() => train.checkpoint(() => undefined, bogus())),
  reduceLROnPlateau: probe(() => train.reduceLROnPlateau(optim.sgd(params(), lr), bogus())),
  progressBar: probe(() => train.progressBar(bogus())),
  gradientNorms: probe(() => train.gradientNorms(model(), bogus())),
};

const TESTING: Record<string, Probe> = {
  gradcheck: probe(() => testing.gradcheck((u) => u, [ones([2], 'float64')], bogus())),
  gradgradcheck: probe(() => testing.gradgradcheck((u) => u, [ones([2], 'float64')], bogus())),
  shapeArb: probe(() => testing.shapeArb(bogus())),
  broadcastableShapesArb: probe(() => testing.broadcastableShapesArb(bogus())),
  tensorArb: probe(() => testing.tensorArb([2], 'float64', bogus())),
  shapedTensorArb: probe(() => testing.shapedTensorArb(bogus())),
  convCaseArb: probe(() => testing.convCaseArb(bogus())),
  poolCaseArb: probe(() => testing.poolCaseArb(bogus())),
  backendConformance: probe(() => testing.backendConformance('cpu', bogus())),
};

const tinyModel = () => new nn.Sequential([new nn.Flatten(), new nn.Linear(4, 2)]);
const MODELS: Record<string, Probe> = {
  loadWeights: probe(() => models.loadWeights(model(), models.weightsToBytes(model()), bogus())),
  loadWeightsFromBlob: probe(() => models.loadWeightsFromBlob(model(), new Blob([]), bogus())),
  loadWeightsFromResponse: probe(() => models.loadWeightsFromResponse(model(), new Response(''), bogus())),
  saveWeightsToIndexedDB: probe(() => models.saveWeightsToIndexedDB(model(), 'k', bogus())),
  loadWeightsFromIndexedDB: probe(() => models.loadWeightsFromIndexedDB(model(), 'k', bogus())),
  exportOnnx: probe(() => models.exportOnnx(tinyModel(), bogus({ inputShape: [1, 1, 2, 2] }))),
  lenet5: probe(() => models.lenet5(bogus())),
  LeNet5: probe(() => new models.LeNet5(bogus())),
  alexnet: probe(() => models.alexnet(bogus())),
  AlexNet: probe(() => new models.AlexNet(bogus())),
  vgg11: probe(() => models.vgg11(bogus())),
  vgg13: probe(() => models.vgg13(bogus())),
  vgg16: probe(() => models.vgg16(bogus())),
  vgg19: probe(() => models.vgg19(bogus())),
  VGG: probe(() => new models.VGG(11, bogus())),
  googlenet: probe(() => models.googlenet(bogus())),
  GoogLeNet: probe(() => new models.GoogLeNet(bogus())),
  BasicConv2d: probe(() => new models.BasicConv2d(1, 1, 3, bogus())),
  resnet18: probe(() => models.resnet18(bogus())),
  resnet34: probe(() => models.resnet34(bogus())),
  resnet50: probe(() => models.resnet50(bogus())),
  resnet101: probe(() => models.resnet101(bogus())),
  resnet152: probe(() => models.resnet152(bogus())),
  ResNet: probe(() => new models.ResNet(models.BasicBlock, [1, 1, 1, 1], bogus())),
};

const arrays = () => datasets.fromArrays(new Uint8Array(4), [0], { imageShape: [1, 2, 2], classes: ['a'] });
const DATASETS: Record<string, Probe> = {
  mnist: probe(() => datasets.mnist('test', bogus({ dir: '.' }))),
  fashionMnist: probe(() => datasets.fashionMnist('test', bogus({ dir: '.' }))),
  cifar10: probe(() => datasets.cifar10('test', bogus({ dir: '.' }))),
  mnistFromUrl: probe(() => datasets.mnistFromUrl('test', 'http://localhost/', bogus())),
  fashionMnistFromUrl: probe(() => datasets.fashionMnistFromUrl('test', 'http://localhost/', bogus())),
  cifar10FromUrl: probe(() => datasets.cifar10FromUrl('test', 'http://localhost/', bogus())),
  fromArrays: probe(() =>
    datasets.fromArrays(new Uint8Array(4), [0], bogus({ imageShape: [1, 2, 2] as const, classes: ['a'] })),
  ),
  DataLoader: probe(() => new datasets.DataLoader(arrays(), bogus())),
  randomCrop: probe(() => datasets.randomCrop(2, bogus())),
};

const WASM: Record<string, Probe> = {
  createWasmBackend: probe(() => wasm.createWasmBackend(bogus())),
  // a map of the kernel files: a misspelled file name is refused like an unknown option
  setWasmPaths: probe(() => wasm.setWasmPaths(bogus({ 'kernels-simd.wasm': '/k.wasm' }))),
};

/**
 * Exported functions and classes that take no options object. A few take
 * objects that are data rather than options: a tensor's storage (Tensor), a
 * resolved geometry (convBackpropInput/Filter, window3, RowCursor), a file's
 * metadata or a map of tensors (saveWeights, weightsToBytes, downloadWeights,
 * encodeSafetensors), a summary (formatSummary), IDX files (…FromBytes), a
 * filter bank (filterBankWeight), an event (renderBatchLine), an optimizer
 * definition (BaseOptimizer), layers (Sequential, Inception, MaxUnpool*'s pool).
 */
const NO_OPTIONS: Record<string, readonly string[]> = {
  '@gradstream/core': [
    'ArgumentError',
    'BackendError',
    'DTypeError',
    'DisposedTensorError',
    'GradientError',
    'GradstreamError',
    'OutOfMemoryError',
    'Random',
    'RowCursor',
    'ShapeError',
    'Tensor',
    'UnknownOptionError',
    'abs',
    'adaptiveAvgPool1d',
    'adaptiveAvgPool2d',
    'adaptiveAvgPool3d',
    'add',
    'arange',
    'argmax',
    'argmin',
    'binaryOutputDType',
    'binaryRow',
    'broadcastShapes',
    'broadcastStrides',
    'broadcastTo',
    'cast',
    'ceil',
    'checkOptions',
    'clip',
    'concat',
    'convBackpropFilter',
    'convBackpropInput',
    'convOutputSize',
    'cos',
    'customGrad',
    'div',
    'dropout',
    'dropout1d',
    'dropout2d',
    'dropout3d',
    'equal',
    'exp',
    'expandDims',
    'expm1',
    'findBackend',
    'flatten',
    'floor',
    'fmtShape',
    'fmtValue',
    'full',
    'gather',
    'getBackend',
    'getBackendName',
    'globalAvgPool',
    'globalMaxPool',
    'grad',
    'grads',
    'greater',
    'greaterEqual',
    'initBackend',
    'keep',
    'leakyRelu',
    'less',
    'lessEqual',
    'listBackends',
    'log',
    'log1p',
    'logSoftmax',
    'logSumExp',
    'logicalAnd',
    'logicalNot',
    'logicalOr',
    'maximum',
    'maxout',
    'memory',
    'minimum',
    'mul',
    'neg',
    'noGrad',
    'notEqual',
    'ones',
    'onesLike',
    'planStrided',
    'pow',
    'profile',
    'rand',
    'randn',
    'reciprocal',
    'relu',
    'reshape',
    'round',
    'rsqrt',
    'scalar',
    'scatterAdd',
    'setBackend',
    'setSeed',
    'sigmoid',
    'sign',
    'sin',
    'sizeOf',
    'slice',
    'softmax',
    'split',
    'sqrt',
    'square',
    'squeeze',
    'stack',
    'stopGradient',
    'stridesOf',
    'sub',
    'tanh',
    'tensor',
    'tidy',
    'toRank3',
    'traceOps',
    'transpose',
    'uniform',
    'valueAndGrad',
    'valueAndGrads',
    'variableGrads',
    'vjp',
    'where',
    'window3',
    'zeros',
    'zerosLike',
  ],
  '@gradstream/core/nn': [
    'AdaptiveAvgPool1d',
    'AdaptiveAvgPool2d',
    'AdaptiveAvgPool3d',
    'AdaptiveMaxPool1d',
    'AdaptiveMaxPool2d',
    'AdaptiveMaxPool3d',
    'Dropout',
    'Dropout1d',
    'Dropout2d',
    'Dropout3d',
    'Flatten',
    'GlobalAvgPool',
    'Identity',
    'Inception',
    'LeakyReLU',
    'LogSoftmax',
    'MaxUnpool1d',
    'MaxUnpool2d',
    'MaxUnpool3d',
    'Maxout',
    'Module',
    'ReLU',
    'Sequential',
    'Sigmoid',
    'Softmax',
    'StateDictError',
    'Tanh',
    'accuracy',
    'assignParameter',
    'calculateGain',
    'confusionMatrix',
    'fanInAndFanOut',
    'filterBankWeight',
    'topKAccuracy',
  ],
  '@gradstream/core/optim': ['BaseOptimizer', 'OptimizerStateError', 'clipGradNorm'],
  '@gradstream/core/train': [
    'TrainingError',
    'predict',
    'renderBatchLine',
    'renderEpochLine',
    'throttleProgress',
    'yieldToEventLoop',
  ],
  '@gradstream/core/testing': ['ConformanceError', 'GradcheckError'],
  '@gradstream/models': [
    'BasicBlock',
    'Bottleneck',
    'Inception',
    'InceptionAux',
    'OnnxExportError',
    'WeightsFileError',
    'bfloat16ToNumber',
    'decodeSafetensors',
    'downloadWeights',
    'downsample',
    'encodeSafetensors',
    'float16ToNumber',
    'formatSummary',
    'saveWeights',
    'summary',
    'weightsToBytes',
    'writeFileAtomic',
  ],
  '@gradstream/datasets': [
    'DatasetError',
    'PrefetchError',
    'cifar10FromBytes',
    'compose',
    'fashionMnistFromBytes',
    'horizontalFlip',
    'mnistFromBytes',
    'normalize',
    'parseCifarBatch',
    'parseIdx',
    'randomShift',
  ],
  '@gradstream/backend-cpu': ['CpuBackend'],
  '@gradstream/backend-wasm': ['WasmBackend', 'getThreads', 'setThreads'],
};

const MODULES = [
  ['@gradstream/core', core, CORE],
  ['@gradstream/core/nn', nn, NN],
  ['@gradstream/core/optim', optim, OPTIM],
  ['@gradstream/core/train', train, TRAIN],
  ['@gradstream/core/testing', testing, TESTING],
  ['@gradstream/models', models, MODELS],
  ['@gradstream/datasets', datasets, DATASETS],
  ['@gradstream/backend-cpu', cpu, {}],
  ['@gradstream/backend-wasm', wasm, WASM],
] as const;

describe('every public entry point taking options refuses a key it does not know', () => {
  for (const [specifier, mod, table] of MODULES) {
    const probes = Object.entries(table as Record<string, Probe>);
    if (probes.length === 0) continue;
    it.each(probes)(`${specifier}: %s`, async (name, p) => {
      const e = await raised(p);
      expect(e, `${name} accepted { ${BOGUS}: 1 }`).toBeInstanceOf(UnknownOptionError);
      const err = e as InstanceType<typeof UnknownOptionError>;
      expect(err.op).toBe(p.name ?? name);
      expect(err.key).toBe(BOGUS);
      expect(err.accepted).not.toContain(BOGUS);
      expect(err.message).toBe(
        `${p.name ?? name}: unknown option '${BOGUS}'; accepted: ${err.accepted.length ? err.accepted.join(', ') : 'none'}`,
      );
      expect(mod).toHaveProperty(name);
    });
  }
});

it('the error a user sees for a misspelled conv2d padding', () => {
  const x = randn([1, 1, 5, 5]);
  const w = randn([1, 1, 3, 3]);
  expect(() => core.conv2d(x, w, { paddding: 1 } as core.ConvNdOptions)).toThrow(
    "conv2d: unknown option 'paddding'; accepted: stride, padding, dilation, groups, bias",
  );
});

it('methods taking options refuse unknown keys too (Module.loadStateDict)', () => {
  const m = model();
  expect(() => m.loadStateDict(m.stateDict(), bogus({ strict: true }))).toThrow(
    `loadStateDict: unknown option '${BOGUS}'; accepted: strict`,
  );
});

describe('every exported function and class is probed or declared to take no options', () => {
  it.each(MODULES)('%s', (specifier, mod, table) => {
    const exported = Object.keys(mod)
      .filter((k) => typeof (mod as Record<string, unknown>)[k] === 'function')
      .sort();
    const probed = Object.keys(table);
    const none = NO_OPTIONS[specifier] ?? [];
    expect(
      probed.filter((k) => none.includes(k)),
      'listed as both',
    ).toEqual([]);
    expect(exported, 'add the new export to the probe table, or to NO_OPTIONS if it takes no options object').toEqual(
      [...probed, ...none].sort(),
    );
  });
});
