import { formatProfile, profile, tidy, variableGrads } from '@gradstream/core';
import { crossEntropy } from '@gradstream/core/nn';
import { DataLoader, type Batch } from '@gradstream/datasets';
import type { TrainArgs } from '../command-line/args.js';
import type { CommandContext } from '../program/context.js';
import { startBackend } from '../setup/backend.js';
import { datasetInfo, loadSplits } from '../setup/datasets.js';
import { buildModel } from '../setup/models.js';
import { makeOptimizer } from '../setup/optimizers.js';
import { UsageError } from '../command-line/usage-error.js';

/**
 * Steps run before the profiled ones when the training split has enough
 * batches (never fewer than MIN_PROFILE_WARMUP_STEPS), so one-time costs
 * stay out of the table: V8 runs new WebAssembly on its baseline compiler and recompiles hot
 * functions with its optimizing one in the background, over the first tens
 * of steps.
 */
export const PROFILE_WARMUP_STEPS = 30;
/** The fewest warm-up steps: the first step's allocations and compilation stay out of the table. */
export const MIN_PROFILE_WARMUP_STEPS = 2;

/** What `train --profile` measured. */
export interface TrainProfileReport {
  readonly backend: string;
  /** Profiled steps (after the warm-up). */
  readonly steps: number;
  readonly stepMs: number;
}

/**
 * `gradstream train --profile N`: builds the model, optimizer and training
 * data exactly as `train` does, runs up to PROFILE_WARMUP_STEPS warm-up steps, then N steps (forward,
 * cross-entropy, backward, update, with the loader creating each batch's
 * tensors) under `profile`, and prints the per-step kernel table on stdout.
 * It trains nothing further and writes no files.
 */
export async function trainProfileCommand(args: TrainArgs, ctx: CommandContext): Promise<TrainProfileReport> {
  const steps = args.profile ?? 0;
  const backend = await startBackend(args.backend, args.threads);
  if (backend.note) ctx.stderr.write(`gradstream: ${backend.note}\n`);
  const info = datasetInfo(args.dataset);
  const splits = loadSplits(args.dataset, { seed: args.seed, dataDir: args.dataDir, limit: args.limit });
  const batches = Math.ceil(splits.train.length / args.batchSize);
  if (batches < MIN_PROFILE_WARMUP_STEPS + steps)
    throw new UsageError(
      `--profile ${steps} needs ${MIN_PROFILE_WARMUP_STEPS + steps} batches (${MIN_PROFILE_WARMUP_STEPS} warm-up), but the training split has ${batches} of ${args.batchSize}`,
    );
  const warmup = Math.min(PROFILE_WARMUP_STEPS, batches - steps);
  const model = buildModel(args.model, info, args.seed);
  const optimizer = makeOptimizer(args.optimizer, model.parameters(), args.lr, args.schedule, args.epochs * batches);
  const loader = new DataLoader(splits.train, {
    batchSize: args.batchSize,
    shuffle: true,
    seed: args.seed,
    ...(info.transform && { transform: info.transform }),
  });
  const step = (b: Batch): void => {
    tidy(() => {
      const { value, grads } = variableGrads(() => crossEntropy(model.call(b.x), b.y), optimizer.params);
      optimizer.step(grads);
      value.dataSync();
    });
    b.x.dispose();
    b.y.dispose();
  };
  try {
    ctx.stderr.write(
      `profiling ${steps} training step${steps === 1 ? '' : 's'} of ${args.model} on ${args.dataset}, batch ${args.batchSize}, ${args.optimizer}, backend ${backend.name} (after ${warmup} warm-up steps)\n`,
    );
    const it = loader[Symbol.asyncIterator]();
    const next = async (): Promise<Batch> => (await it.next()).value as Batch;
    for (let i = 0; i < warmup; i++) step(await next());
    const p = await profile(async () => {
      for (let i = 0; i < steps; i++) step(await next());
    });
    await it.return?.();
    ctx.stdout.write(`${formatProfile(p, { per: steps })}\n`);
    return { backend: backend.name, steps, stepMs: p.wallMs / steps };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
