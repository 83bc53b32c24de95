import { describe, expect, it } from 'vitest';
import { Canvas } from '../src/render/canvas.js';
import { metricsCsv } from '../src/render/csv.js';
import { renderFilters } from '../src/render/filters.js';
import { renderGrid } from '../src/render/tiles.js';

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
    const canvas = renderGrid(
      [
        { data: [0, 0.001], channels: 1, height: 1, width: 2 },
        { data: [-50, 50], channels: 1, height: 1, width: 2 },
      ],
      { columns: 2, scale: 1, gap: 1 },
    );
    const px = (x: number): number => canvas.data[(1 * canvas.width + x) * 4]!;
    expect([px(1), px(2), px(4), px(5)]).toEqual([0, 255, 0, 255]);
  });

  it('shows RGB kernels as one colour tile each and others as a tile per input channel', () => {
    const rgb = renderFilters({ data: new Float32Array(2 * 3 * 4), shape: [2, 3, 2, 2] });
    const grey = renderFilters({ data: new Float32Array(2 * 5 * 4), shape: [2, 5, 2, 2] });
    // 2×2 kernels magnified 32×; RGB: 2 tiles in a row; 5 inputs: a row of 5 per output channel.
    expect([rgb.width, rgb.height]).toEqual([6 + 2 * 70, 6 + 70]);
    expect([grey.width, grey.height]).toEqual([6 + 5 * 70, 6 + 2 * 70]);
  });

  it('Canvas clips drawing outside the raster', () => {
    const c = new Canvas(4, 4, [0, 0, 0]);
    c.fillRect(-10, 1, 20, 1, [255, 0, 0]);
    c.text(3, 3, 'x', [0, 255, 0]);
    expect(c.data[(1 * 4 + 3) * 4]).toBe(255);
    expect(c.data[(3 * 4 + 3) * 4 + 1]).toBe(255);
    expect(() => new Canvas(0, 3)).toThrow(RangeError);
  });
});
