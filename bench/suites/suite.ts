import type { BenchCase } from '../harness.js';

/** A named list of cases; `cases` allocates nothing, each case's setup does. */
export interface Suite {
  readonly name: string;
  readonly title: string;
  cases(quick: boolean): BenchCase[] | Promise<BenchCase[]>;
  /** Lines printed before the table, e.g. which substitutions a column uses. */
  preamble?(): Promise<string[]>;
}
