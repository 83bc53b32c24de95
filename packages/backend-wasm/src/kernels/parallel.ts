/** Default minimum work (floating-point operations) worth splitting: waking a worker costs tens of microseconds. */
export const DEFAULT_MIN_PARALLEL_FLOPS = 1 << 21;

/** Threads worth using for `flops` of work: all ready ones at or above the runtime's threshold, else one. */
export function threadsFor(flops: number, rt: { readonly threads: number; readonly minParallelFlops: number }): number {
  return flops < rt.minParallelFlops ? 1 : rt.threads;
}
