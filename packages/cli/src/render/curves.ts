import { Canvas, type Rgb } from './canvas.js';
import type { EpochRecord } from '../training/epoch-record.js';

const PANEL_W = 420;
const PANEL_H = 300;
const MARGIN = { left: 58, right: 16, top: 34, bottom: 40 } as const;
const TRAIN: Rgb = [31, 119, 180];
const VAL: Rgb = [255, 127, 14];
const AXIS: Rgb = [60, 60, 60];
const GRID: Rgb = [225, 225, 225];

interface Series {
  readonly color: Rgb;
  readonly label: string;
  readonly values: readonly number[];
}

interface Panel {
  readonly title: string;
  readonly series: readonly Series[];
  /** Lower end of the y axis; the upper end is the data's maximum with some headroom (or 1 when `toOne`), both rounded out to ticks. */
  readonly floor: (values: readonly number[]) => number;
  readonly toOne?: boolean;
}

/**
 * Loss (left) and accuracy (right) per epoch, training in blue and
 * validation in orange, as line plots with a point per epoch (so a one-epoch
 * run still shows its values).
 */
export function renderCurves(epochs: readonly EpochRecord[]): Canvas {
  const canvas = new Canvas(2 * PANEL_W, PANEL_H);
  const xs = epochs.map((e) => e.epoch);
  drawPanel(canvas, 0, xs, {
    title: 'loss',
    series: [
      { color: TRAIN, label: 'train', values: epochs.map((e) => e.trainLoss) },
      { color: VAL, label: 'val', values: epochs.map((e) => e.valLoss) },
    ],
    floor: () => 0,
  });
  drawPanel(canvas, PANEL_W, xs, {
    title: 'accuracy',
    series: [
      { color: TRAIN, label: 'train', values: epochs.map((e) => e.trainAccuracy) },
      { color: VAL, label: 'val', values: epochs.map((e) => e.valAccuracy) },
    ],
    // Zoom in on the interesting top end without hiding an early low value.
    floor: (v) => Math.max(0, Math.floor((Math.min(...v) - 0.02) * 20) / 20),
    toOne: true,
  });
  return canvas;
}

function drawPanel(canvas: Canvas, left: number, xs: readonly number[], panel: Panel): void {
  const x0 = left + MARGIN.left;
  const x1 = left + PANEL_W - MARGIN.right;
  const y0 = PANEL_H - MARGIN.bottom;
  const y1 = MARGIN.top;
  const values = panel.series.flatMap((s) => s.values).filter(Number.isFinite);
  const ticks = niceTicks(
    values.length ? panel.floor(values) : 0,
    panel.toOne ? 1 : values.length ? Math.max(...values) * 1.05 : 1,
  );
  const lo = ticks.values[0]!;
  const hi = ticks.values.at(-1)!;
  const xMin = xs.length ? Math.min(...xs) : 1;
  const xMax = xs.length ? Math.max(...xs) : 1;
  // A 5% margin keeps the end markers off the axes; a single epoch sits in the middle.
  const pad = Math.max(0.05, (xMax - xMin) / 20);
  const [xa, xb] = [xMin - pad, xMax + pad];
  const px = (x: number): number => x0 + ((x - xa) / (xb - xa)) * (x1 - x0);
  const py = (y: number): number => y0 - ((y - lo) / (hi - lo)) * (y0 - y1);

  for (const v of ticks.values) {
    const y = Math.round(py(v));
    canvas.line(x0, y, x1, y, GRID);
    const label = v.toFixed(ticks.decimals);
    canvas.text(x0 - 6 - Canvas.textWidth(label), y - Canvas.textHeight() / 2, label, AXIS);
  }
  const step = Math.max(1, Math.ceil((xMax - xMin + 1) / 10));
  for (let e = xMin; e <= xMax; e += step) {
    const x = Math.round(px(e));
    canvas.line(x, y0, x, y0 + 4, AXIS);
    canvas.text(x - Canvas.textWidth(String(e)) / 2, y0 + 8, String(e), AXIS);
  }
  canvas.line(x0, y0, x1, y0, AXIS);
  canvas.line(x0, y0, x0, y1, AXIS);
  canvas.text(x0 + (x1 - x0) / 2 - Canvas.textWidth('epoch') / 2, PANEL_H - 14, 'epoch', AXIS);
  canvas.text(x0, 10, panel.title, AXIS, 3);

  for (const s of panel.series) {
    const points = s.values.map((v, k) => [px(xs[k]!), py(v)] as const).filter(([, y]) => Number.isFinite(y));
    points.forEach(([x, y], k) => {
      if (k > 0) canvas.line(points[k - 1]![0], points[k - 1]![1], x, y, s.color, 2);
      canvas.fillRect(Math.round(x) - 3, Math.round(y) - 3, 7, 7, s.color);
    });
  }
  let legendX = x1 - 4;
  for (const s of [...panel.series].reverse()) {
    legendX -= Canvas.textWidth(s.label);
    canvas.text(legendX, 12, s.label, AXIS);
    legendX -= 16;
    canvas.fillRect(legendX, 13, 10, 8, s.color);
    legendX -= 14;
  }
}

/** Round tick values (steps of 1, 2, 2.5 or 5 × 10^k) covering [lo, hi], about five of them. */
export function niceTicks(lo: number, top: number): { readonly values: readonly number[]; readonly decimals: number } {
  // A flat series (one epoch of a constant, or no data) still gets an axis of some height.
  const span = top > lo ? top - lo : Math.max(Math.abs(lo), 1);
  const hi = lo + span;
  const raw = span / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.max(first + step, Math.ceil(hi / step - 1e-9) * step);
  const values: number[] = [];
  for (let k = 0; first + k * step <= last + step / 2; k++) values.push(first + k * step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) + (step / magnitude === 2.5 ? 1 : 0);
  return { values, decimals };
}
