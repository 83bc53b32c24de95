import { MAX_RANK, SD_RANK, SD_SHAPE, SD_STRIDES_A, SD_WORDS } from '../../assembly/opcodes.js';
import type { WasmRuntime } from '../runtime/wasm-runtime.js';
import type { StridedPlan } from '@gradstream/core';

/** Whether a plan fits the wasm strided-loop descriptor. */
export function fitsDescriptor(plan: StridedPlan): boolean {
  return plan.shape.length <= MAX_RANK && plan.strides.length <= 3;
}

/** Rows of a plan's loop nest: the product of all but its innermost dimension. */
export function rowCount(plan: StridedPlan): number {
  return plan.shape.slice(0, -1).reduce((p, d) => p * d, 1);
}

/** Writes a plan into the runtime's strided-loop descriptor and returns its address. */
export function writeStridedDescriptor(rt: WasmRuntime, plan: StridedPlan): number {
  const words = rt.words();
  const at = rt.stridedDesc >> 2;
  words.fill(0, at, at + SD_WORDS);
  const rank = plan.shape.length;
  words[at + SD_RANK] = rank;
  for (let i = 0; i < rank; i++) {
    words[at + SD_SHAPE + i] = plan.shape[i]!;
    for (let k = 0; k < plan.strides.length; k++) words[at + SD_STRIDES_A + k * MAX_RANK + i] = plan.strides[k]![i]!;
  }
  return rt.stridedDesc;
}
