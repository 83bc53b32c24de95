/**
 * Default minimum work (floating-point operations) worth splitting: a job
 * posted to a polling worker costs a few microseconds (a sleeping one, tens).
 */
export const DEFAULT_MIN_PARALLEL_FLOPS = 1 << 19;

/** Threads worth using for `flops` of work: all ready ones at or above the runtime's threshold, else one. */
export function threadsFor(flops: number, rt: { readonly threads: number; readonly minParallelFlops: number }): number {
  return flops < rt.minParallelFlops ? 1 : rt.threads;
}

/** Splits [0, total) into at most `parts` contiguous ranges whose boundaries are multiples of `align`. */
export function splitRange(total: number, parts: number, align = 1): [number, number][] {
  const ranges: [number, number][] = [];
  const units = Math.ceil(total / align);
  const n = Math.max(1, Math.min(parts, units));
  for (let i = 0; i < n; i++) {
    const start = Math.min(total, Math.round((units * i) / n) * align);
    const end = Math.min(total, Math.round((units * (i + 1)) / n) * align);
    if (end > start) ranges.push([start, end]);
  }
  if (ranges.length === 0) ranges.push([0, total]);
  return ranges;
}
