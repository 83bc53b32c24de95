import { toRank3 } from '@gradstream/core';
import * as W from '../../assembly/opcodes.js';
import type { WasmRuntime } from '../runtime/wasm-runtime.js';

/** A sliding-window geometry of rank 1–3, as the kernels see it. */
export interface WindowSpec {
  readonly channels: number;
  readonly spatial: readonly number[];
  readonly kernel: readonly number[];
  readonly outSpatial: readonly number[];
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly padding: readonly (readonly [number, number])[];
  readonly batch?: number;
  readonly outChannels?: number;
  readonly groups?: number;
  readonly countIncludePad?: boolean;
}

/** Writes a window descriptor in place and returns its address. */
export function writeWindowDescriptor(rt: WasmRuntime, spec: WindowSpec): number {
  const words = rt.words();
  const at = rt.windowDesc >> 2;
  const put = (offset: number, values: readonly [number, number, number]) => {
    for (let i = 0; i < 3; i++) words[at + offset + i] = values[i]!;
  };
  words.fill(0, at, at + W.W_WORDS);
  words[at + W.W_N] = spec.batch ?? 1;
  words[at + W.W_C] = spec.channels;
  words[at + W.W_O] = spec.outChannels ?? 0;
  words[at + W.W_GROUPS] = spec.groups ?? 1;
  put(W.W_D, toRank3(spec.spatial, 1));
  put(W.W_KD, toRank3(spec.kernel, 1));
  put(W.W_OD, toRank3(spec.outSpatial, 1));
  put(W.W_SD, toRank3(spec.stride, 1));
  put(W.W_DD, toRank3(spec.dilation, 1));
  put(
    W.W_PD,
    toRank3(
      spec.padding.map((p) => p[0]),
      0,
    ),
  );
  put(
    W.W_PD_AFTER,
    toRank3(
      spec.padding.map((p) => p[1]),
      0,
    ),
  );
  words[at + W.W_COUNT_INCLUDE_PAD] = spec.countIncludePad ? 1 : 0;
  return rt.windowDesc;
}
