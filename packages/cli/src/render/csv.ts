import type { EpochRecord } from '../training/epoch-record.js';

/** The header row of metrics.csv; column order is part of the file format. */
export const METRICS_HEADER = [
  'epoch',
  'train_loss',
  'train_accuracy',
  'val_loss',
  'val_accuracy',
  'seconds',
  'samples_per_sec',
] as const;

/** metrics.csv: the header and one row per finished epoch, newline-terminated. */
export function metricsCsv(epochs: readonly EpochRecord[]): string {
  const rows = epochs.map((e) =>
    [
      String(e.epoch),
      fixed(e.trainLoss, 6),
      fixed(e.trainAccuracy, 6),
      fixed(e.valLoss, 6),
      fixed(e.valAccuracy, 6),
      fixed(e.seconds, 3),
      fixed(e.samplesPerSec, 1),
    ].join(','),
  );
  return `${[METRICS_HEADER.join(','), ...rows].join('\n')}\n`;
}

function fixed(v: number, digits: number): string {
  // An empty cell rather than "NaN", which spreadsheets and pandas read as text.
  return Number.isFinite(v) ? v.toFixed(digits) : '';
}
