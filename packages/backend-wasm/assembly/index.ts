// Entry point of the kernel module: every export here is callable from the
// TypeScript glue and from the worker threads.

export { gemmScratchBytes, matmul } from './gemm';
export { convScratchBytes, convForward, convBackpropInput, convBackpropFilter } from './conv';
export { winogradApplies } from './winograd';
export { unfold, fold } from './im2col';
export { maxPool, avgPool, avgPoolBackward } from './pool';
export { unary } from './unary';
export { binary, where32 } from './binary';
export { reduce, argReduce } from './reduce';
export { batchNormTraining, batchNormBackward, batchNormInference } from './batch-norm';
export { addInto } from './mem';
export { copy32, u8ToF32 } from './copy';
export { maxPoolBackward32, scatterAdd32 } from './scatter';
export { adamStep32, sgdStep32 } from './optimizer';
export { softmaxCrossEntropy32, softmaxCrossEntropyBackward32 } from './cross-entropy';

/** First byte after the module's static data: the allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}
