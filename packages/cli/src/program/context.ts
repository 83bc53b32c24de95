/** A text sink: process.stdout / process.stderr, or a capture in tests. */
export interface Output {
  write(chunk: string): unknown;
  /** A terminal: progress redraws one line in place. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** What every command gets from `main`. */
export interface CommandContext {
  /** Results (accuracy, tables, file lists). */
  readonly stdout: Output;
  /** Progress, notes and errors. */
  readonly stderr: Output;
  /** Aborted on Ctrl-C; `train` stops at the next batch boundary and still writes its files. */
  readonly signal: AbortSignal;
}
