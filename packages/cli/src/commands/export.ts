import { readFileSync } from 'node:fs';
import { decodeSafetensors, exportOnnx, loadWeights, writeFileAtomic } from '@gradstream/models/node';
import { DEFAULTS, type ExportArgs } from '../command-line/args.js';
import { UsageError } from '../command-line/usage-error.js';
import type { CommandContext } from '../program/context.js';
import { startBackend } from '../setup/backend.js';
import { datasetInfo } from '../setup/datasets.js';
import { buildModel } from '../setup/models.js';
import { storedTarget } from '../training/weights-metadata.js';

/**
 * `gradstream export --format onnx`: loads --weights into the model it was
 * trained as (flags, else the file's metadata, else the defaults, as eval)
 * and writes the eval-mode graph with a symbolic batch dimension to --out.
 * @throws UsageError when --weights cannot be read or the flags contradict its metadata.
 */
export async function exportCommand(args: ExportArgs, ctx: CommandContext): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(args.weights);
  } catch (e) {
    throw new UsageError(
      `weights file '${args.weights}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const stored = storedTarget(decodeSafetensors(bytes, args.weights).metadata);
  if (args.model && stored.model && args.model !== stored.model)
    throw new UsageError(`--model ${args.model}, but ${args.weights} holds ${stored.model} weights (its metadata)`);
  const info = datasetInfo(args.dataset ?? stored.dataset ?? DEFAULTS.dataset);
  const modelName = args.model ?? stored.model ?? info.defaultModel;
  const imageShape = args.input ?? stored.input ?? info.imageShape;
  const numClasses = stored.classes ?? info.numClasses;
  // The graph's constants are the weights, so the backend only runs the one tracing forward.
  const backend = await startBackend(args.backend, undefined);
  if (backend.note) ctx.stderr.write(`gradstream: ${backend.note}\n`);
  const model = buildModel(modelName, { imageShape, numClasses }, DEFAULTS.seed);
  try {
    loadWeights(model, args.weights);
    const onnx = exportOnnx(model, { inputShape: [1, ...imageShape], opset: args.opset });
    writeFileAtomic(args.out, onnx);
    ctx.stdout.write(
      `wrote ${args.out}: ${modelName} as ONNX opset ${args.opset}, input 'input' N×${imageShape.join('×')} (N free), output 'output' N×${numClasses}, ${(onnx.length / 1e6).toFixed(1)} MB\n`,
    );
  } finally {
    model.dispose();
  }
}
