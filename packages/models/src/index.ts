/**
 * @gradstream/models — classic CNN builders with torchvision-compatible
 * parameter names, safetensors weight files and layer summaries.
 *
 * @example
 * ```ts
 * import { resnet18, loadWeights, summary, formatSummary } from '@gradstream/models';
 * import '@gradstream/backend-cpu';
 * const model = resnet18();
 * loadWeights(model, 'resnet18.safetensors');      // a torchvision state dict, unrenamed
 * console.log(formatSummary(summary(model, [1, 3, 224, 224])));
 * ```
 */
export { WeightsFileError, type WeightsFileErrorCode } from './weights/errors.js';
export { float16ToNumber, bfloat16ToNumber } from './weights/half.js';
export { decodeSafetensors, encodeSafetensors, type RawTensor, type SafetensorsContents } from './weights/codec.js';
