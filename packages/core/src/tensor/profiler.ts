/**
 * Kernel timing for `profile()`. runOp, callKernel and writeTensor ask
 * `isProfiling()` before each kernel call and only then go through
 * `profiledCall`, so code run outside a profile pays one comparison per op.
 *
 * Time is self time: a kernel that runs other kernels inside it (a composed
 * fallback) is charged only for what its children did not take, so the
 * shares of a profile add up to one.
 */
import type { DType, TensorInfo } from '../backend/types.js';
import { kernelFlops } from './kernel-flops.js';
import { sizeOf } from './shape.js';

interface Entry {
  calls: number;
  ms: number;
  bytes: number;
  /** Sum of the known counts; undefined once a call had none. */
  flops: number | undefined;
}

/** What one running profile has gathered. */
export interface Recorder {
  readonly entries: Map<string, Entry>;
}

const recorders: Recorder[] = [];
/** Time taken by the children of each kernel call still running, innermost last. */
const childMs: number[] = [];

const ELEMENT_BYTES: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };

export function isProfiling(): boolean {
  return recorders.length > 0;
}

export function startRecorder(): Recorder {
  const r: Recorder = { entries: new Map() };
  recorders.push(r);
  return r;
}

export function stopRecorder(r: Recorder): void {
  const i = recorders.indexOf(r);
  if (i >= 0) recorders.splice(i, 1);
}

function bytesOf(infos: readonly TensorInfo[]): number {
  let n = 0;
  for (const t of infos) n += sizeOf(t.shape) * ELEMENT_BYTES[t.dtype];
  return n;
}

/** The TensorInfos in a kernel's result: one, an array of them, or an object holding them (maxPool's). */
export function infosIn(result: unknown): TensorInfo[] {
  const isInfo = (x: unknown): x is TensorInfo =>
    typeof x === 'object' && x !== null && 'dataId' in x && 'shape' in x && 'dtype' in x;
  if (isInfo(result)) return [result];
  if (Array.isArray(result)) return result.filter(isInfo);
  if (typeof result === 'object' && result !== null) return Object.values(result).filter(isInfo);
  return [];
}

function record(kernel: string, ms: number, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): void {
  const bytes = bytesOf(inputs) + bytesOf(outputs);
  const flops = kernelFlops(kernel, inputs, outputs);
  for (const r of recorders) {
    const e = r.entries.get(kernel);
    if (!e) r.entries.set(kernel, { calls: 1, ms, bytes, flops });
    else {
      e.calls++;
      e.ms += ms;
      e.bytes += bytes;
      e.flops = e.flops === undefined || flops === undefined ? undefined : e.flops + flops;
    }
  }
}

/** Runs one kernel call, timed, and charges it to every running profile. */
export function profiledCall<R>(kernel: string, inputs: readonly TensorInfo[], run: () => R): R {
  childMs.push(0);
  const t0 = performance.now();
  let done = false;
  let result: R | undefined;
  try {
    result = run();
    done = true;
  } finally {
    const total = performance.now() - t0;
    const inner = childMs.pop()!;
    if (childMs.length > 0) childMs[childMs.length - 1]! += total;
    // A call that threw is left out: it moved nothing a user could act on.
    if (done) record(kernel, total - inner, inputs, infosIn(result));
  }
  return result as R;
}
