import { evaluate, type MetricValues } from '@gradstream/core/train';
import { DataLoader, type Dataset } from '@gradstream/datasets';
import type { TrainArgs } from '../command-line/args.js';
import type { CommandContext } from '../program/context.js';
import { ensureWritableDir } from '../io/files.js';
import type { EpochRecord } from '../training/epoch-record.js';
import { startBackend } from '../setup/backend.js';
import { datasetInfo, loadSplits } from '../setup/datasets.js';
import { buildModel } from '../setup/models.js';
import { makeOptimizer } from '../setup/optimizers.js';
import { writeArtifacts } from '../training/artifacts.js';
import { runTraining, type RunOutcome } from '../training/run.js';
import { UntilAborted } from '../training/until-aborted.js';
import { count, percent } from './format.js';

/** What a `train` run did. */
export interface TrainReport {
  readonly backend: string;
  readonly epochs: readonly EpochRecord[];
  /** Test-split loss and accuracy; absent when the run was interrupted, in training or in the test evaluation. */
  readonly test?: MetricValues;
  readonly interrupted: boolean;
  /** Wall time from the first batch to the last file written. */
  readonly seconds: number;
  readonly files: readonly string[];
}

/**
 * `gradstream train`: checks the output directory, starts the backend, loads
 * the data, trains with a progress bar on stderr, scores the test split and
 * writes weights, metrics and pictures. On abort (Ctrl-C), in training or in
 * the test evaluation, it stops at the next batch boundary, drops the test
 * score and writes what exists.
 * @throws UsageError for an unwritable --out, a bad --data-dir or a model that does not fit the data.
 */
export async function trainCommand(args: TrainArgs, ctx: CommandContext): Promise<TrainReport> {
  ensureWritableDir(args.out);
  const backend = await startBackend(args.backend, args.threads);
  if (backend.note) ctx.stderr.write(`gradstream: ${backend.note}\n`);
  const info = datasetInfo(args.dataset);
  const splits = loadSplits(args.dataset, { seed: args.seed, dataDir: args.dataDir, limit: args.limit });
  const model = buildModel(args.model, info, args.seed);
  const loader = (ds: Dataset, shuffle: boolean): DataLoader =>
    new DataLoader(ds, {
      batchSize: args.batchSize,
      shuffle,
      seed: args.seed,
      ...(info.transform && { transform: info.transform }),
    });
  const train = loader(splits.train, true);
  const optimizer = makeOptimizer(
    args.optimizer,
    model.parameters(),
    args.lr,
    args.schedule,
    args.epochs * train.length,
  );
  try {
    ctx.stderr.write(
      `${args.model} on ${args.dataset} (${count(splits.train.length)} train / ${count(splits.validation.length)} validation / ${count(splits.test.length)} test), ` +
        `${args.optimizer} lr ${args.lr} (${args.schedule}), batch ${args.batchSize}, ${args.epochs} epoch${args.epochs === 1 ? '' : 's'}, backend ${backend.name}\n`,
    );
    const started = performance.now();
    const outcome = await runTraining(
      model,
      { train, validation: loader(splits.validation, false), epochs: args.epochs, optimizer },
      ctx.signal,
      ctx.stderr,
    );
    if (outcome.interrupted)
      ctx.stderr.write(
        `interrupted ${where(outcome)}: ${outcome.epochs.length} of ${args.epochs} epochs finished; writing what exists\n`,
      );
    const testLoader = loader(splits.test, false);
    // Training is over, but Ctrl-C still means stop: the test score is not worth waiting for.
    const testData = new UntilAborted(testLoader, ctx.signal);
    const score = outcome.interrupted ? undefined : await evaluate(model, testData);
    if (testData.stopped)
      ctx.stderr.write(
        `interrupted in the test evaluation after batch ${testData.passed} of ${testLoader.length}: all ${args.epochs} epochs finished; writing what exists\n`,
      );
    const test = testData.stopped ? undefined : score;
    const interrupted = outcome.interrupted || testData.stopped;
    const files = writeArtifacts(args.out, {
      model,
      epochs: outcome.epochs,
      sample: splits.test.get(0),
      imageShape: info.imageShape,
      ...(info.transform && { transform: info.transform }),
      metadata: {
        model: args.model,
        dataset: args.dataset,
        epochs: String(outcome.epochs.length),
        seed: String(args.seed),
      },
    });
    const seconds = (performance.now() - started) / 1000;
    report(ctx, outcome.epochs, test, splits.test.length, seconds, backend.name, files);
    return { backend: backend.name, epochs: outcome.epochs, ...(test && { test }), interrupted, seconds, files };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

function where(outcome: RunOutcome): string {
  return outcome.lastBatch
    ? `after batch ${outcome.lastBatch.batch} of epoch ${outcome.lastBatch.epoch}`
    : 'before the first batch';
}

function report(
  ctx: CommandContext,
  epochs: readonly EpochRecord[],
  test: MetricValues | undefined,
  testSize: number,
  seconds: number,
  backend: string,
  files: readonly string[],
): void {
  const trained = epochs.reduce((n, e) => n + e.seconds, 0);
  const rate = epochs.length ? epochs.reduce((n, e) => n + e.samplesPerSec, 0) / epochs.length : NaN;
  if (test)
    ctx.stdout.write(
      `test accuracy ${percent(test.accuracy ?? NaN)} (loss ${test.loss.toFixed(4)}) on ${count(testSize)} images\n`,
    );
  ctx.stdout.write(
    `${epochs.length} epoch${epochs.length === 1 ? '' : 's'} in ${trained.toFixed(1)} s (${Math.round(rate).toLocaleString('en-US')} samples/s on ${backend}); total ${seconds.toFixed(1)} s\n`,
  );
  ctx.stdout.write(`wrote ${files.join(', ')}\n`);
}
