import fc from 'fast-check';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { curvesSvg } from '../src/render/curves.js';
import { svgToPng } from '../src/render/vega.js';
import type { EpochRecord } from '../src/training/epoch-record.js';

const TRAIN = '#1f77b4';
const VALIDATION = '#ff7f0e';

const record = (epoch: number, trainLoss: number, valLoss: number, trainAccuracy: number, valAccuracy: number) =>
  ({ epoch, trainLoss, valLoss, trainAccuracy, valAccuracy, seconds: 1, samplesPerSec: 100 }) satisfies EpochRecord;

interface Line {
  readonly stroke: string;
  /** The line's vertices in the panel's pixels, left to right. */
  readonly points: readonly (readonly [number, number])[];
}

/** The line marks of a Vega SVG, in drawing order (the loss panel's before the accuracy panel's). */
function lines(svg: string): Line[] {
  return [...svg.matchAll(/<path [^>]*aria-roledescription="line mark" d="([^"]*)" stroke="([^"]*)"/g)].map((m) => ({
    stroke: m[2]!,
    points: [...m[1]!.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((p) => [Number(p[1]), Number(p[2])] as const),
  }));
}

/** The texts of the marks with Vega role `role`. */
const texts = (svg: string, role: string): string[] =>
  [...svg.matchAll(new RegExp(`class="mark-text role-${role}"[^>]*>(.*?)</g>`, 'g'))].flatMap((m) =>
    [...m[1]!.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]!),
  );

/**
 * Checks that `pixels` are an affine image of `values` with a negative slope
 * when `flipped` (screen y grows downwards): what a linear scale draws.
 */
function expectLinear(values: readonly number[], pixels: readonly number[], flipped: boolean): void {
  const [v0, p0] = [values[0]!, pixels[0]!];
  const far = values.findIndex((v) => Math.abs(v - v0) === Math.max(...values.map((u) => Math.abs(u - v0))));
  if (values[far] === v0) {
    for (const p of pixels) expect(p).toBeCloseTo(p0, 2);
    return;
  }
  const slope = (pixels[far]! - p0) / (values[far]! - v0);
  expect(flipped ? slope < 0 : slope > 0).toBe(true);
  // Vega writes coordinates to 3 decimals.
  for (const [k, v] of values.entries()) expect(Math.abs(pixels[k]! - (p0 + slope * (v - v0)))).toBeLessThan(2e-3);
}

describe('curves chart (Vega-Lite spec, Vega SVG renderer, resvg PNG)', () => {
  const epochs = [record(1, 0.9, 1.1, 0.7, 0.65), record(2, 0.5, 0.6, 0.85, 0.8), record(3, 0.3, 0.45, 0.93, 0.9)];

  it('draws a line per split and metric through every epoch, under the axis titles and legend', async () => {
    const svg = await curvesSvg(epochs);
    const drawn = lines(svg);
    expect(drawn.map((l) => [l.stroke, l.points.length])).toEqual([
      [TRAIN, 3],
      [VALIDATION, 3],
      [TRAIN, 3],
      [VALIDATION, 3],
    ]);
    const series = [
      epochs.map((e) => e.trainLoss),
      epochs.map((e) => e.valLoss),
      epochs.map((e) => e.trainAccuracy),
      epochs.map((e) => e.valAccuracy),
    ];
    drawn.forEach((line, k) => {
      expectLinear(
        epochs.map((e) => e.epoch),
        line.points.map((p) => p[0]),
        false,
      );
      // Both lines of a panel share its y scale: check them as one series.
      const panel = k < 2 ? [0, 1] : [2, 3];
      expectLinear(
        panel.flatMap((s) => series[s]!),
        panel.flatMap((s) => drawn[s]!.points.map((p) => p[1])),
        true,
      );
    });
    expect(texts(svg, 'title-text')).toEqual(['loss', 'accuracy']);
    expect(texts(svg, 'axis-title')).toEqual(['epoch', 'epoch']);
    expect(texts(svg, 'legend-label')).toEqual(['train', 'validation']);
    // A marker per value.
    expect(svg.match(/aria-roledescription="point"/g)).toHaveLength(12);
  });

  it('leaves out values that were not measured (no validation split)', async () => {
    const svg = await curvesSvg([
      record(1, 0.8, Number.NaN, 0.6, Number.NaN),
      record(2, 0.4, Number.NaN, 0.8, Number.NaN),
    ]);
    expect(lines(svg).map((l) => [l.stroke, l.points.length])).toEqual([
      [TRAIN, 2],
      [TRAIN, 2],
    ]);
  });

  it('keeps every epoch of any run on linear scales', async () => {
    const value = fc.double({ min: 0, max: 5, noNaN: true });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(value, value, value, value), { minLength: 2, maxLength: 8 }), async (rows) => {
        const run = rows.map(([a, b, c, d], k) => record(k + 1, a, b, c / 5, d / 5));
        const drawn = lines(await curvesSvg(run));
        expect(drawn).toHaveLength(4);
        for (const line of drawn) {
          expect(line.points).toHaveLength(run.length);
          expectLinear(
            run.map((e) => e.epoch),
            line.points.map((p) => p[0]),
            false,
          );
        }
        expectLinear(
          run.flatMap((e) => [e.trainLoss]).concat(run.map((e) => e.valLoss)),
          drawn[0]!.points.concat(drawn[1]!.points).map((p) => p[1]),
          true,
        );
      }),
      { numRuns: 10 },
    );
  });

  it('rasterizes the SVG at its size, with both series in their colours', async () => {
    const svg = await curvesSvg(epochs);
    const [, width, height] = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    const png = PNG.sync.read(Buffer.from(svgToPng(svg)));
    expect([png.width, png.height]).toEqual([width, height]);
    const seen = new Set<string>();
    for (let i = 0; i < png.data.length; i += 4)
      seen.add(`#${[...png.data.subarray(i, i + 3)].map((c) => c.toString(16).padStart(2, '0')).join('')}`);
    expect(seen.has(TRAIN) && seen.has(VALIDATION)).toBe(true);
    expect(seen.size).toBeGreaterThan(20);
  });
});
