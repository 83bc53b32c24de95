import { readFileSync, type Stats, statSync } from 'node:fs';
import { evaluate, type MetricValues } from '@gradstream/core/train';
import { DataLoader } from '@gradstream/datasets';
import { decodeSafetensors, loadWeights } from '@gradstream/models/node';
import { checkDataDir, DEFAULTS, type EvalArgs } from '../command-line/args.js';
import { UsageError } from '../command-line/usage-error.js';
import type { CommandContext } from '../program/context.js';
import { startBackend } from '../setup/backend.js';
import { type DatasetName, datasetInfo, loadTestSplit } from '../setup/datasets.js';
import { buildModel, type ModelName } from '../setup/models.js';
import { storedTarget } from '../training/weights-metadata.js';
import { count, percent } from './format.js';

/**
 * `gradstream eval`: loads --weights into the model it was trained as and
 * prints loss and accuracy on the dataset's test split. Model and dataset
 * come from the flags, else from the file's metadata (what `train` wrote),
 * else the defaults; the file's input shape must be the dataset's.
 * @throws UsageError when --weights is not a readable file, or the flags contradict its metadata.
 */
export async function evalCommand(args: EvalArgs, ctx: CommandContext): Promise<MetricValues> {
  checkWeightsFile(args.weights);
  const { model: modelName, dataset } = resolveTarget(args, readMetadata(args.weights));
  checkDataDir(dataset, args.dataDir);
  const backend = await startBackend(args.backend, args.threads);
  if (backend.note) ctx.stderr.write(`gradstream: ${backend.note}\n`);
  const info = datasetInfo(dataset);
  const test = loadTestSplit(dataset, { seed: args.seed, dataDir: args.dataDir, limit: args.limit });
  const model = buildModel(modelName, info, args.seed);
  try {
    loadWeights(model, args.weights);
    const result = await evaluate(
      model,
      new DataLoader(test, { batchSize: args.batchSize, ...(info.transform && { transform: info.transform }) }),
    );
    ctx.stdout.write(
      `test accuracy ${percent(result.accuracy ?? NaN)} (loss ${result.loss.toFixed(4)}) on ${count(test.length)} ${dataset} images, ${modelName} on ${backend.name}\n`,
    );
    return result;
  } finally {
    model.dispose();
  }
}

function checkWeightsFile(path: string): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`weights file '${path}' not found`);
    throw new UsageError(`weights file '${path}' cannot be read (${code ?? (e as Error).message})`);
  }
  if (!stats.isFile()) throw new UsageError(`--weights '${path}' is ${kind(stats)}, not a weights file`);
}

function kind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function readMetadata(path: string): Readonly<Record<string, string>> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(
      `weights file '${path}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return decodeSafetensors(bytes, path).metadata;
}

/** Flags first, then what the file says, then the defaults; a flag that contradicts the file is an error. */
function resolveTarget(
  args: EvalArgs,
  metadata: Readonly<Record<string, string>>,
): { model: ModelName; dataset: DatasetName } {
  const stored = storedTarget(metadata);
  if (args.model && stored.model && args.model !== stored.model)
    throw new UsageError(`--model ${args.model}, but ${args.weights} holds ${stored.model} weights (its metadata)`);
  const dataset = args.dataset ?? stored.dataset ?? DEFAULTS.dataset;
  const info = datasetInfo(dataset);
  const model = args.model ?? stored.model ?? info.defaultModel;
  if (stored.input && stored.input.join('x') !== info.imageShape.join('x'))
    throw new UsageError(
      `${args.weights} was trained on ${stored.input.join('×')} images${stored.dataset ? ` (${stored.dataset})` : ''}; ` +
        `${dataset} images are ${info.imageShape.join('×')}`,
    );
  if (stored.classes !== undefined && stored.classes !== info.numClasses)
    throw new UsageError(
      `${args.weights} classifies ${stored.classes} classes${stored.dataset ? ` (${stored.dataset})` : ''}; ${dataset} has ${info.numClasses}`,
    );
  return { model, dataset };
}
