import type { Dataset, Sample } from '@gradstream/datasets';

/**
 * Samples [start, end) of `source` as a dataset of their own, without
 * copying pixels: used to hold out a validation tail and to apply --limit.
 * The source's batch readers (floats, and bytes for byte storage) and its
 * shared storage (for a prefetching loader) are kept.
 */
export function subset(source: Dataset, start: number, end: number, name = `${source.name}[${start}:${end}]`): Dataset {
  const lo = Math.max(0, Math.min(start, source.length));
  const hi = Math.max(lo, Math.min(end, source.length));
  const shift = (indices: ArrayLike<number>): Uint32Array => {
    const shifted = new Uint32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      // The source would accept an index past our end and read its neighbour's rows, so check our own bounds.
      if (!Number.isInteger(i) || i < 0 || i >= hi - lo)
        throw new RangeError(`${name}: index ${i} out of range [0, ${hi - lo})`);
      shifted[k] = lo + i;
    }
    return shifted;
  };
  const readBatch = source.readBatch?.bind(source);
  const readBatchBytes = source.readBatchBytes;
  const sharedSource = source.sharedSource;
  return {
    name,
    length: hi - lo,
    imageShape: source.imageShape,
    classes: source.classes,
    get(i: number): Sample {
      if (!Number.isInteger(i) || i < 0 || i >= hi - lo)
        throw new RangeError(`${name}: index ${i} out of range [0, ${hi - lo})`);
      return source.get(lo + i);
    },
    ...(readBatch && {
      readBatch(indices: ArrayLike<number>, x: Float32Array, y: Int32Array): void {
        readBatch(shift(indices), x, y);
      },
    }),
    ...(readBatchBytes && {
      readBatchBytes: (indices: ArrayLike<number>, pixels: Uint8Array, y: Int32Array): void =>
        readBatchBytes.call(source, shift(indices), pixels, y),
    }),
    ...(sharedSource && {
      // The same storage, starting lo samples later: a prefetching loader's worker reads it directly.
      sharedSource: () => {
        const s = sharedSource.call(source);
        return { ...s, first: s.first + lo, length: hi - lo };
      },
    }),
  };
}
