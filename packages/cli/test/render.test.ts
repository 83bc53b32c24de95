import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { Canvas } from '../src/render/canvas.js';
import { metricsCsv } from '../src/render/csv.js';
import { featureMapsSpec } from '../src/render/feature-maps.js';
import { filtersSpec } from '../src/render/filters.js';
import { drawTile } from '../src/render/tiles.js';
import { renderSvg, svgToPng } from '../src/render/vega.js';

interface Image {
  readonly width: number;
  readonly height: number;
  readonly png: PNG;
}

/** The image marks of a Vega SVG: their drawn size and their decoded PNG. */
function images(svg: string): Image[] {
  return [...svg.matchAll(/<image [^>]*href="data:image\/png;base64,([^"]*)"[^>]*>/g)].map((m) => ({
    width: Number(/ width="([\d.]+)"/.exec(m[0])![1]),
    height: Number(/ height="([\d.]+)"/.exec(m[0])![1]),
    png: PNG.sync.read(Buffer.from(m[1]!, 'base64')),
  }));
}

/** Every text Vega drew. */
const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

/** Grey level of pixel (x, y) of a decoded PNG. */
const grey = (png: PNG, x: number, y: number): number => png.data[(y * png.width + x) * 4]!;

describe('render', () => {
  it('metricsCsv writes a header, fixed decimals, and empty cells for missing values', () => {
    const csv = metricsCsv([
      {
        epoch: 1,
        trainLoss: 0.5,
        trainAccuracy: 0.875,
        valLoss: NaN,
        valAccuracy: NaN,
        seconds: 1.23456,
        samplesPerSec: 1000.06,
      },
    ]);
    expect(csv).toBe(
      'epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds,samples_per_sec\n1,0.500000,0.875000,,,1.235,1000.1\n',
    );
  });

  it('stretches each tile to its own range: a weak and a strong kernel both reach black and white', () => {
    const canvas = new Canvas(5, 1, [40, 40, 40]);
    drawTile(canvas, { data: [0, 0.001], channels: 1, height: 1, width: 2 }, 0, 0, 1);
    drawTile(canvas, { data: [-50, 50], channels: 1, height: 1, width: 2 }, 3, 0, 1);
    const px = (x: number): number => canvas.data[x * 4]!;
    expect([px(0), px(1), px(2), px(3), px(4)]).toEqual([0, 255, 40, 0, 255]);
  });

  it('shows RGB kernels as one colour tile each, numbered, and others as a tile per (output, input) channel', async () => {
    const rgb = await renderSvg(filtersSpec({ data: new Float32Array(2 * 3 * 4), shape: [2, 3, 2, 2] }));
    const greyKernels = Float32Array.from({ length: 2 * 5 * 4 }, (_, k) => k % 4);
    const many = await renderSvg(filtersSpec({ data: greyKernels, shape: [2, 5, 2, 2] }));
    // 2×2 kernels magnified 32× (about 64 px), each pixel a 32×32 square.
    expect(images(rgb).map((t) => [t.width, t.height, t.png.width, t.png.height])).toEqual([
      [64, 64, 64, 64],
      [64, 64, 64, 64],
    ]);
    expect(texts(rgb)).toEqual(['1', '2']);
    const tiles = images(many);
    expect(tiles).toHaveLength(10);
    // Values 0 1 / 2 3 in each kernel: black top-left, white bottom-right, sharp squares.
    for (const t of tiles) expect([grey(t.png, 0, 0), grey(t.png, 31, 31), grey(t.png, 32, 32)]).toEqual([0, 0, 255]);
    expect(texts(many)).toEqual(expect.arrayContaining(['output channel', 'input channel', '1', '2', '5']));
  });

  it('draws the input and one numbered tile per feature map under their titles, and rasterizes them', async () => {
    const maps = { data: Float32Array.from({ length: 4 * 8 * 8 }, (_, k) => k), shape: [4, 8, 8] as const };
    const input = { data: new Float32Array(64).fill(1), channels: 1, height: 8, width: 8 } as const;
    const svg = await renderSvg(featureMapsSpec(input, maps, 'layer conv1 outputs'));
    // 8×8 maps magnified 14× (about 112 px).
    expect(images(svg).map((t) => [t.width, t.height])).toEqual(Array(5).fill([112, 112]));
    // A constant input is mid-grey.
    expect(grey(images(svg)[0]!.png, 50, 50)).toBe(128);
    expect(texts(svg)).toEqual(expect.arrayContaining(['input', 'layer conv1 outputs', '1', '2', '3', '4']));
    const png = PNG.sync.read(Buffer.from(svgToPng(svg)));
    const [, width, height] = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    expect([png.width, png.height]).toEqual([width, height]);
    // Input left of a 2×2 grid of maps.
    expect(width).toBeGreaterThan(3 * 112);
    expect(height).toBeGreaterThan(2 * 112);
  });

  it('Canvas clips drawing outside the raster', () => {
    const c = new Canvas(4, 4, [0, 0, 0]);
    c.fillRect(-10, 1, 20, 1, [255, 0, 0]);
    c.fillRect(3, 3, 5, 5, [0, 255, 0]);
    expect(c.data[(1 * 4 + 3) * 4]).toBe(255);
    expect(c.data[(3 * 4 + 3) * 4 + 1]).toBe(255);
    expect(() => new Canvas(0, 3)).toThrow(RangeError);
  });
});
