import type { ImageShape } from '@gradstream/datasets';

/** `3x224x224` (or `3×224×224`) as a shape; undefined unless it is three positive integers. */
export function parseImageShape(text: string): ImageShape | undefined {
  const parts = text.split(/[x×]/);
  if (parts.length !== 3 || !parts.every((p) => /^[1-9]\d{0,5}$/.test(p))) return undefined;
  const [c, h, w] = parts.map(Number) as [number, number, number];
  return [c, h, w];
}
