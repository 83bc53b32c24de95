import type { Module } from '@gradstream/core/nn';
import { evaluate, type MetricValues } from '@gradstream/core/train';
import { DataLoader, type Dataset, type Sample } from '@gradstream/datasets';
import type { TrainArgs } from '../command-line/args.js';
import type { CommandContext } from '../program/context.js';
import { type OutputDir, prepareOutputDir } from '../io/files.js';
import type { EpochRecord } from '../training/epoch-record.js';
import { startBackend, stopWorkerThreads } from '../setup/backend.js';
import { datasetInfo, loadSplits } from '../setup/datasets.js';
import { applyFirstLayer } from '../setup/first-layer.js';
import { buildModel } from '../setup/models.js';
import { makeOptimizer } from '../setup/optimizers.js';
import { type ArtifactFailure, writeArtifacts } from '../training/artifacts.js';
import { runTraining, type RunOutcome } from '../training/run.js';
import { UntilAborted } from '../training/until-aborted.js';
import { runMetadata } from '../training/weights-metadata.js';
import { count, oneLine, percent } from './format.js';

/** Training batches the prefetch worker may have ready ahead of the step. */
const TRAIN_PREFETCH = 2;

/** What a `train` run did. */
export interface TrainReport {
  readonly backend: string;
  readonly epochs: readonly EpochRecord[];
  /** Test-split loss and accuracy; absent when the run was interrupted, in training or in the test evaluation. */
  readonly test?: MetricValues;
  readonly interrupted: boolean;
  /** Optimizer steps the saved weights include. */
  readonly steps: number;
  /** Wall time from the first batch to the last file written. */
  readonly seconds: number;
  readonly files: readonly string[];
  /** Files that could not be written; the others were. */
  readonly failed: readonly ArtifactFailure[];
}

/**
 * `gradstream train`: checks the output directory, starts the backend, loads
 * the data, trains with a progress bar on stderr, scores the test split and
 * writes metrics, weights and pictures, each on its own (a file that cannot
 * be written is reported on stderr and in `failed`; the rest are written).
 * On abort (Ctrl-C), in training or in the test evaluation, it stops at the
 * next batch boundary, drops the test score and writes what exists. A run
 * that fails before writing anything removes the directories it created.
 * @throws UsageError for an unwritable --out, a bad --data-dir or a model that does not fit the data.
 */
export async function trainCommand(args: TrainArgs, ctx: CommandContext): Promise<TrainReport> {
  const out = prepareOutputDir(args.out);
  try {
    return await trainInto(out, args, ctx);
  } catch (e) {
    out.removeIfEmpty();
    throw e;
  }
}

async function trainInto(out: OutputDir, args: TrainArgs, ctx: CommandContext): Promise<TrainReport> {
  const backend = await startBackend(args.backend, args.threads);
  if (backend.note) ctx.stderr.write(`gradstream: ${backend.note}\n`);
  const info = datasetInfo(args.dataset);
  const model = buildModel(args.model, info, args.seed);
  try {
    const run = await trainAndTest(model, args, ctx, info, backend.name);
    const { outcome, test, interrupted } = run;
    // What is left (the weights, the pictures) runs on one thread: the idle workers' memory can go.
    await stopWorkerThreads();
    const { written, failed } = await writeArtifacts(out.path, {
      model,
      epochs: outcome.epochs,
      sample: run.sample,
      imageShape: info.imageShape,
      ...(info.transform && { transform: info.transform }),
      metadata: runMetadata({
        model: args.model,
        dataset: args.dataset,
        input: info.imageShape,
        classes: info.numClasses,
        seed: args.seed,
        epochsPlanned: args.epochs,
        epochsCompleted: outcome.epochs.length,
        steps: outcome.steps,
        stepsPerEpoch: run.stepsPerEpoch,
        interrupted,
      }),
    });
    const seconds = (performance.now() - run.started) / 1000;
    report(ctx, outcome, test, run.testSize, seconds, backend.name, written);
    for (const f of failed) ctx.stderr.write(`gradstream: error: could not write ${f.path}: ${oneLine(f.reason)}\n`);
    return {
      backend: backend.name,
      epochs: outcome.epochs,
      ...(test && { test }),
      interrupted,
      steps: outcome.steps,
      seconds,
      files: written,
      failed,
    };
  } finally {
    model.dispose();
  }
}

/** What the training and the test score leave for the files and the report. */
interface TrainedRun {
  readonly outcome: RunOutcome;
  readonly test?: MetricValues;
  readonly interrupted: boolean;
  /** The test image feature-maps.png shows. */
  readonly sample: Sample;
  readonly testSize: number;
  readonly stepsPerEpoch: number;
  /** performance.now() at the first batch. */
  readonly started: number;
}

/**
 * Loads the data, trains `model` and scores the test split. The data sets and
 * loaders live only in this call, so the pictures drawn afterwards do not sit
 * on top of the images (about 15 MB for MNIST) once they are collected.
 */
async function trainAndTest(
  model: Module,
  args: TrainArgs,
  ctx: CommandContext,
  info: ReturnType<typeof datasetInfo>,
  backend: string,
): Promise<TrainedRun> {
  const splits = loadSplits(args.dataset, { seed: args.seed, dataDir: args.dataDir, limit: args.limit });
  const firstLayer = args.firstLayer === 'learned' ? undefined : applyFirstLayer(model, args.firstLayer);
  const loader = (ds: Dataset, shuffle: boolean, prefetch = 0): DataLoader =>
    new DataLoader(ds, {
      batchSize: args.batchSize,
      shuffle,
      seed: args.seed,
      prefetch,
      ...(info.transform && { transform: info.transform }),
    });
  // The training batches are prepared on a worker thread while the steps run (when the data allows);
  // the evaluation passes are short, and their data not worth a thread.
  const train = loader(splits.train, true, splits.train.sharedSource ? TRAIN_PREFETCH : 0);
  const optimizer = makeOptimizer(
    args.optimizer,
    // Frozen parameters stay out: the optimizer keeps no state for them and the tape does not watch them.
    model.trainableParameters(),
    args.lr,
    args.schedule,
    args.epochs * train.length,
  );
  try {
    ctx.stderr.write(
      `${args.model} on ${args.dataset} (${count(splits.train.length)} train / ${count(splits.validation.length)} validation / ${count(splits.test.length)} test), ` +
        `${args.optimizer} lr ${args.lr} (${args.schedule}), batch ${args.batchSize}, ${args.epochs} epoch${args.epochs === 1 ? '' : 's'}, backend ${backend}\n`,
    );
    if (firstLayer) ctx.stderr.write(`first layer ${firstLayer}: ${args.firstLayer} (fixed)\n`);
    ctx.stderr.write(
      `${count(paramCount(model.trainableParameters()))} of ${count(paramCount(model.parameters()))} parameters trained\n`,
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
    return {
      outcome,
      ...(test && { test }),
      interrupted: outcome.interrupted || testData.stopped,
      sample: splits.test.get(0),
      testSize: splits.test.length,
      stepsPerEpoch: train.length,
      started,
    };
  } finally {
    optimizer.dispose();
  }
}

function paramCount(params: readonly { readonly size: number }[]): number {
  return params.reduce((n, p) => n + p.size, 0);
}

function where(outcome: RunOutcome): string {
  return outcome.lastBatch
    ? `after batch ${outcome.lastBatch.batch} of epoch ${outcome.lastBatch.epoch}`
    : 'before the first batch';
}

function report(
  ctx: CommandContext,
  outcome: RunOutcome,
  test: MetricValues | undefined,
  testSize: number,
  seconds: number,
  backend: string,
  files: readonly string[],
): void {
  const { epochs, lastBatch } = outcome;
  if (test)
    ctx.stdout.write(
      `test accuracy ${percent(test.accuracy ?? NaN)} (loss ${test.loss.toFixed(4)}) on ${count(testSize)} images\n`,
    );
  const rate = (samplesPerSec: number): string =>
    `${Math.round(samplesPerSec).toLocaleString('en-US')} samples/s on ${backend}`;
  if (epochs.length) {
    const trained = epochs.reduce((n, e) => n + e.seconds, 0);
    const mean = epochs.reduce((n, e) => n + e.samplesPerSec, 0) / epochs.length;
    ctx.stdout.write(
      `${epochs.length} epoch${epochs.length === 1 ? '' : 's'} in ${trained.toFixed(1)} s (${rate(mean)}); total ${seconds.toFixed(1)} s\n`,
    );
  } else if (lastBatch) {
    // The throughput of the unfinished first epoch: no epoch average exists yet.
    ctx.stdout.write(
      `no epoch finished: ${lastBatch.batch} batch${lastBatch.batch === 1 ? '' : 'es'} of epoch 1 (${rate(lastBatch.samplesPerSec)}); total ${seconds.toFixed(1)} s\n`,
    );
  } else ctx.stdout.write(`no batch trained; total ${seconds.toFixed(1)} s\n`);
  if (files.length) ctx.stdout.write(`wrote ${files.join(', ')}\n`);
}
