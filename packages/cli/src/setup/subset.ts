import type { Dataset, Sample } from '@gradstream/datasets';

/**
 * Samples [start, end) of `source` as a dataset of their own, without
 * copying pixels: used to hold out a validation tail and to apply --limit.
 */
export function subset(source: Dataset, start: number, end: number, name = `${source.name}[${start}:${end}]`): Dataset {
  const lo = Math.max(0, Math.min(start, source.length));
  const hi = Math.max(lo, Math.min(end, source.length));
  const readBatch = source.readBatch?.bind(source);
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
        const shifted = new Uint32Array(indices.length);
        for (let k = 0; k < indices.length; k++) {
          const i = indices[k]!;
          // The source would accept an index past our end and read its neighbour's rows, so check our own bounds.
          if (!Number.isInteger(i) || i < 0 || i >= hi - lo)
            throw new RangeError(`${name}: index ${i} out of range [0, ${hi - lo})`);
          shifted[k] = lo + i;
        }
        readBatch(shifted, x, y);
      },
    }),
  };
}
