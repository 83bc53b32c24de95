import { formatSummary, summary, type ModelSummary } from '@gradstream/models';
import type { SummaryArgs } from '../command-line/args.js';
import type { CommandContext } from '../program/context.js';
import { datasetInfo } from '../setup/datasets.js';
import { buildModel } from '../setup/models.js';

/** `gradstream summary`: the models package's layer table for one image of the dataset's shape. */
export function summaryCommand(args: SummaryArgs, ctx: CommandContext): ModelSummary {
  const info = datasetInfo(args.dataset);
  const model = buildModel(args.model, info, 0);
  try {
    const s = summary(model, [1, ...info.imageShape]);
    ctx.stdout.write(
      `${args.model} for ${args.dataset} (${info.imageShape.join('×')}, ${info.numClasses} classes)\n${formatSummary(s)}\n`,
    );
    return s;
  } finally {
    model.dispose();
  }
}
