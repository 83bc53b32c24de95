/**
 * @gradstream/models — classic CNN builders with torchvision-compatible
 * parameter names, safetensors weight files and layer summaries. This entry
 * runs anywhere (browsers included): weights go to and from bytes, `Blob`s,
 * `fetch` responses, downloads and IndexedDB. In Node, the `node` condition
 * (or `@gradstream/models/node`) adds paths to `loadWeights` and `saveWeights`.
 *
 * @example
 * ```ts
 * import { resnet18, loadWeightsFromResponse, summary, formatSummary } from '@gradstream/models';
 * import '@gradstream/backend-cpu';
 * const model = resnet18();
 * await loadWeightsFromResponse(model, await fetch('resnet18.safetensors')); // a torchvision state dict, unrenamed
 * console.log(formatSummary(summary(model, [1, 3, 224, 224])));
 * ```
 */
// Declares the platform types our .d.ts name, for projects without the DOM library.
import './ambient-types.js';
export { WeightsFileError, type WeightsFileErrorCode } from './weights/errors.js';
export { float16ToNumber, bfloat16ToNumber } from './weights/half.js';
export { decodeSafetensors, encodeSafetensors, type RawTensor, type SafetensorsContents } from './weights/codec.js';
export { loadWeights, weightsToBytes, FROZEN_METADATA_KEY, type LoadWeightsOptions } from './weights/bytes.js';
export { loadWeightsFromBlob, loadWeightsFromResponse } from './weights/sources.js';
export { downloadWeights } from './weights/download.js';
export {
  saveWeightsToIndexedDB,
  loadWeightsFromIndexedDB,
  type IndexedDBWeightsOptions,
} from './weights/indexeddb.js';
export { exportOnnx, OnnxExportError, type ExportOnnxOptions, type OnnxExportErrorCode } from './onnx/index.js';
export { summary, type ModelSummary, type LayerSummary } from './summary/summary.js';
export { formatSummary } from './summary/format.js';
export type { ModelOptions } from './models/options.js';
export { lenet5, LeNet5, type LeNet5Options } from './models/lenet.js';
export { alexnet, AlexNet } from './models/alexnet.js';
export { vgg11, vgg13, vgg16, vgg19, VGG, type VggOptions } from './models/vgg.js';
export { googlenet, GoogLeNet, type GoogLeNetOptions, type GoogLeNetOutputs } from './models/googlenet.js';
export { BasicConv2d, Inception, InceptionAux, type InceptionWidths } from './models/inception.js';
export { resnet18, resnet34, resnet50, resnet101, resnet152, ResNet, type ResNetOptions } from './models/resnet.js';
export { BasicBlock, Bottleneck, downsample, type BlockType } from './models/resnet-blocks.js';
