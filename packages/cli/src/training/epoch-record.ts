/** What one finished epoch measured; a row of metrics.csv and a point of curves.png. */
export interface EpochRecord {
  /** 1-based. */
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly valLoss: number;
  readonly valAccuracy: number;
  /** Wall time of the epoch, validation included. */
  readonly seconds: number;
  /** Training samples per second of wall time. */
  readonly samplesPerSec: number;
}
