/**
 * @gradstream/cli — the `gradstream` command, callable from code: `main(argv)`
 * runs one command line and resolves to its exit code; `parseArgs` is its
 * validated parser; the edge-detection demo is exported for notebooks.
 *
 * @example
 * ```ts
 * import { main, EXIT } from '@gradstream/cli';
 * const code = await main(['train', '--dataset', 'xo', '--epochs', '1', '--out', 'runs/xo']);
 * if (code !== EXIT.ok) process.exitCode = code;
 * ```
 */
export { main, EXIT, type MainOptions } from './program/main.js';
export type { Output, CommandContext } from './program/context.js';
export {
  parseArgs,
  COMMAND_NAMES,
  type Command,
  type CommandName,
  type RunArgs,
  type TrainArgs,
  type EvalArgs,
  type SummaryArgs,
} from './command-line/args.js';
export { UsageError } from './command-line/usage-error.js';
export { edgeMap, formatMap, squareImage, VERTICAL_EDGE, HORIZONTAL_EDGE } from './demos/edges.js';
