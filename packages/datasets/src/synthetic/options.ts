/** Options every synthetic generator shares. */
export interface SyntheticOptions {
  /** Side of the square image in pixels (default 8). */
  readonly size?: number;
  /** Number of images (default 512); classes are balanced, cycling through the labels. */
  readonly count?: number;
  /** Seed of the generator; equal seeds give identical datasets (default 0). */
  readonly seed?: number;
  /** Largest shift of the shape's centre from the image centre, in pixels (default 1). */
  readonly maxShift?: number;
  /** Range of the shape's size relative to the largest that fits (default [0.7, 1]). */
  readonly scale?: readonly [number, number];
  /** Amplitude of uniform pixel noise in [0, 1] units (default 0.1). */
  readonly noise?: number;
  /** Stroke width in pixels (default 1). */
  readonly lineWidth?: number;
}

/** The options with defaults filled in and checked. */
export type ResolvedOptions = Required<SyntheticOptions>;

/** Fills in defaults and rejects sizes no image can have (RangeError: a caller's mistake, not bad data). */
export function resolveOptions(name: string, o: SyntheticOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    size: o.size ?? 8,
    count: o.count ?? 512,
    seed: o.seed ?? 0,
    maxShift: o.maxShift ?? 1,
    scale: o.scale ?? [0.7, 1],
    noise: o.noise ?? 0.1,
    lineWidth: o.lineWidth ?? 1,
  };
  if (!Number.isInteger(r.size) || r.size < 3) throw new RangeError(`${name}: size ${r.size}; expected an integer ≥ 3`);
  if (!Number.isInteger(r.count) || r.count < 0)
    throw new RangeError(`${name}: count ${r.count}; expected an integer ≥ 0`);
  return r;
}
