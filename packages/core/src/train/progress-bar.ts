import { type MonoTypeOperatorFunction, defer, tap } from 'rxjs';
import { checkOptions } from '../util/options.js';
import type { BatchEndEvent, EpochEndEvent, TrainEvent } from './events.js';

/** Where progress goes: a writable text stream such as process.stderr. */
export interface ProgressStream {
  write(chunk: string): unknown;
  /** A terminal: redraw one line in place. Otherwise print one line per epoch. */
  readonly isTTY?: boolean;
  /** Terminal width, to size the bar. */
  readonly columns?: number;
}

/** Options of progressBar. */
export interface ProgressBarOptions {
  /** Default: process.stderr where there is one, else console.log, one line per epoch. */
  readonly stream?: ProgressStream;
}

const SHORT: Readonly<Record<string, string>> = { accuracy: 'acc' };

function fmtMetrics(values: Readonly<Record<string, number>>, prefix = ''): string {
  return Object.entries(values)
    .map(([k, v]) => `${prefix}${SHORT[k] ?? k} ${v.toFixed(4)}`)
    .join('  ');
}

function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return m >= 60
    ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
    : `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** One redrawn terminal line: epoch, bar, step, loss, metrics, throughput and the epoch's ETA. */
export function renderBatchLine(
  e: BatchEndEvent,
  epochs: number,
  stepsPerEpoch: number | undefined,
  epochElapsedMs: number,
  columns = 100,
): string {
  const done = e.batch + 1;
  const metrics = fmtMetrics({ loss: e.loss, ...e.metrics });
  const rate = `${Math.round(e.samplesPerSec)} samples/s`;
  if (!stepsPerEpoch) return `epoch ${e.epoch + 1}/${epochs}  step ${done}  ${metrics}  ${rate}`;
  const eta = fmtDuration((epochElapsedMs / done) * Math.max(0, stepsPerEpoch - done));
  const tail = `${done}/${stepsPerEpoch}  ${metrics}  ${rate}  ETA ${eta}`;
  const head = `epoch ${e.epoch + 1}/${epochs} `;
  const width = Math.max(10, Math.min(30, columns - head.length - tail.length - 4));
  const filled = Math.min(width, Math.floor((width * done) / stepsPerEpoch));
  const bar = '='.repeat(filled) + (filled < width ? '>' : '') + ' '.repeat(Math.max(0, width - filled - 1));
  return `${head}[${bar}] ${tail}`;
}

/** The line that stays once an epoch is over. */
export function renderEpochLine(e: EpochEndEvent, epochs: number, epochElapsedMs: number): string {
  const val = e.validation ? `  ${fmtMetrics(e.validation, 'val_')}` : '';
  return `epoch ${e.epoch + 1}/${epochs}  ${fmtMetrics(e.train)}${val}  ${fmtDuration(epochElapsedMs)}`;
}

function defaultStream(): ProgressStream {
  const proc = (globalThis as { process?: { stderr?: ProgressStream } }).process;
  return proc?.stderr ?? { write: (chunk: string) => console.log(chunk.replace(/\n$/, '')) };
}

/**
 * Renders training progress and passes every event on unchanged. On a
 * terminal it redraws one line per batch (step, loss, accuracy, samples/s,
 * ETA) and leaves a summary line per epoch; elsewhere (CI logs, files,
 * browsers) it prints only the summary lines. Pair with throttleProgress.
 *
 * @example
 * ```ts
 * await lastValueFrom(fit(model, options).pipe(throttleProgress(100), progressBar()));
 * ```
 */
export function progressBar(options: ProgressBarOptions = {}): MonoTypeOperatorFunction<TrainEvent> {
  checkOptions('progressBar', options, ['stream']);
  return (source) =>
    defer(() => {
      const out = options.stream ?? defaultStream();
      const tty = out.isTTY === true;
      let epochs = 0;
      let stepsPerEpoch: number | undefined;
      let epochStart = performance.now();
      let lastBatch = 0;
      let drawn = false;
      const clear = (): void => {
        if (drawn) out.write('\r\x1b[K');
        drawn = false;
      };
      return source.pipe(
        tap({
          next: (e) => {
            switch (e.type) {
              case 'trainStart':
                epochs = e.epochs;
                stepsPerEpoch = e.stepsPerEpoch;
                break;
              case 'epochStart':
                epochStart = performance.now();
                break;
              case 'batchEnd':
                lastBatch = e.batch + 1;
                if (tty) {
                  out.write(
                    `\r${renderBatchLine(e, epochs, stepsPerEpoch, performance.now() - epochStart, out.columns)}\x1b[K`,
                  );
                  drawn = true;
                }
                break;
              case 'epochEnd':
                // Data without a length: the first epoch tells how many steps the next ones take.
                stepsPerEpoch ??= lastBatch;
                clear();
                out.write(`${renderEpochLine(e, epochs, performance.now() - epochStart)}\n`);
                break;
              case 'trainEnd':
                clear();
                break;
            }
          },
          error: clear,
          unsubscribe: clear,
        }),
      );
    });
}
