import { parseArgs, UsageError, type Command } from '../command-line/args.js';
import { benchCommand } from '../commands/bench.js';
import { edgesCommand } from '../commands/edges.js';
import { evalCommand } from '../commands/eval.js';
import { exportCommand } from '../commands/export.js';
import { summaryCommand } from '../commands/summary.js';
import { trainCommand } from '../commands/train.js';
import { trainProfileCommand } from '../commands/train-profile.js';
import type { CommandContext, Output } from './context.js';
import { helpText } from '../command-line/help.js';
import { VERSION } from '../command-line/version.js';
import { oneLine } from '../commands/format.js';

/** Exit codes, as the shell sees them. */
export const EXIT = { ok: 0, error: 1, usage: 2, interrupted: 130 } as const;

/** Where `main` writes and what stops it; the process's streams and no signal by default. */
export interface MainOptions {
  readonly stdout?: Output;
  readonly stderr?: Output;
  /** Abort = Ctrl-C: train stops at the next batch boundary, writes its files and returns 130. */
  readonly signal?: AbortSignal;
}

/**
 * Runs one command line (without node and the script) and resolves to the
 * exit code: 0 done, 1 runtime error, 2 usage error, 130 interrupted. Errors
 * are reported as one line on stderr, never as a stack trace.
 *
 * @example
 * ```ts
 * const code = await main(['train', '--dataset', 'xo', '--epochs', '1', '--out', 'runs/xo']);
 * ```
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const ctx: CommandContext = {
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    signal: options.signal ?? new AbortController().signal,
  };
  try {
    return await execute(parseArgs(argv), ctx);
  } catch (e) {
    const usage = e instanceof UsageError;
    ctx.stderr.write(`gradstream: ${usage ? '' : 'error: '}${describe(e)}\n`);
    return usage ? EXIT.usage : EXIT.error;
  }
}

async function execute(command: Command, ctx: CommandContext): Promise<number> {
  switch (command.kind) {
    case 'help':
      ctx.stdout.write(`${helpText(command.topic)}\n`);
      return EXIT.ok;
    case 'train': {
      if (command.args.profile !== undefined) {
        await trainProfileCommand(command.args, ctx);
        return EXIT.ok;
      }
      const report = await trainCommand(command.args, ctx);
      // A file that could not be written outranks Ctrl-C: the user must learn that something is missing.
      if (report.failed.length) return EXIT.error;
      return report.interrupted ? EXIT.interrupted : EXIT.ok;
    }
    case 'eval':
      // Evaluation has nothing to save, so Ctrl-C need not wait for it.
      return Promise.race([evalCommand(command.args, ctx).then(() => EXIT.ok), aborted(ctx.signal)]);
    case 'summary':
      summaryCommand(command.args, ctx);
      return EXIT.ok;
    case 'export':
      await exportCommand(command.args, ctx);
      return EXIT.ok;
    case 'bench':
      return benchCommand(command.args, ctx);
    case 'edges':
      edgesCommand(ctx);
      return EXIT.ok;
    case 'version':
      ctx.stdout.write(`gradstream ${VERSION}\n`);
      return EXIT.ok;
  }
}

function aborted(signal: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(EXIT.interrupted);
    else signal.addEventListener('abort', () => resolve(EXIT.interrupted), { once: true });
  });
}

function describe(e: unknown): string {
  return oneLine(e instanceof Error ? e.message : String(e)) || (e instanceof Error ? e.name : 'unknown error');
}
