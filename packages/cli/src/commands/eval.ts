import { existsSync, statSync } from 'node:fs';
import { evaluate, type MetricValues } from '@gradstream/core/train';
import { DataLoader } from '@gradstream/datasets';
import { loadWeights } from '@gradstream/models';
import type { EvalArgs } from '../command-line/args.js';
import type { CommandContext } from '../program/context.js';
import { startBackend } from '../setup/backend.js';
import { datasetInfo, loadTestSplit } from '../setup/datasets.js';
import { buildModel } from '../setup/models.js';
import { UsageError } from '../command-line/usage-error.js';
import { count, percent } from './format.js';

/**
 * `gradstream eval`: loads --weights into the model built for the dataset and
 * prints loss and accuracy on the test split.
 * @throws UsageError when the weights file does not exist.
 */
export async function evalCommand(args: EvalArgs, ctx: CommandContext): Promise<MetricValues> {
  if (!existsSync(args.weights) || !statSync(args.weights).isFile())
    throw new UsageError(`weights file '${args.weights}' not found`);
  const backend = await startBackend(args.backend, args.threads);
  if (backend.note) ctx.stderr.write(`gradstream: ${backend.note}\n`);
  const info = datasetInfo(args.dataset);
  const test = loadTestSplit(args.dataset, { seed: args.seed, dataDir: args.dataDir, limit: args.limit });
  const model = buildModel(args.model, info, args.seed);
  try {
    loadWeights(model, args.weights);
    const result = await evaluate(
      model,
      new DataLoader(test, { batchSize: args.batchSize, ...(info.transform && { transform: info.transform }) }),
    );
    ctx.stdout.write(
      `test accuracy ${percent(result.accuracy ?? NaN)} (loss ${result.loss.toFixed(4)}) on ${count(test.length)} ${args.dataset} images, ${args.model} on ${backend.name}\n`,
    );
    return result;
  } finally {
    model.dispose();
  }
}
