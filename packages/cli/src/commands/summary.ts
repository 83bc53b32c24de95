import { formatSummary, summary, type ModelSummary } from '@gradstream/models';
import type { SummaryArgs } from '../command-line/args.js';
import type { CommandContext } from '../program/context.js';
import { datasetInfo } from '../setup/datasets.js';
import { checkFit, newModel, usualInput, type ModelTarget } from '../setup/models.js';
import { count } from './format.js';

/**
 * `gradstream summary`: the models package's layer table for one image. The
 * image shape is --input, else the --dataset's, else the model's usual one
 * (ImageNet size for the ImageNet models); the classes are the dataset's,
 * else the model's usual count.
 */
export function summaryCommand(args: SummaryArgs, ctx: CommandContext): ModelSummary {
  const dataset = args.dataset && datasetInfo(args.dataset);
  const usual = usualInput(args.model);
  const target: ModelTarget = {
    imageShape: args.input ?? dataset?.imageShape ?? usual.imageShape,
    numClasses: dataset?.numClasses ?? usual.numClasses,
  };
  // summary's own forward pass is the check that the model takes these images.
  const model = newModel(args.model, target, 0);
  try {
    const s = checkFit(args.model, target, () => summary(model, [1, ...target.imageShape]));
    const shape = `${target.imageShape.join('×')}, ${count(target.numClasses)} classes`;
    const what = args.input
      ? `${shape} input${args.dataset ? ` (${args.dataset}'s classes)` : ''}`
      : `${args.dataset ?? usual.label} (${shape})`;
    ctx.stdout.write(`${args.model} for ${what}\n${formatSummary(s)}\n`);
    return s;
  } finally {
    model.dispose();
  }
}
