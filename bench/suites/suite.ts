import type { ContenderId } from '../contenders.js';
import type { BenchCase } from '../harness.js';

/**
 * A speed goal of one case, judged on the figures of the same run: the
 * reference's time over the contender's must be at least `atLeast`.
 */
export interface Target {
  /** What is promised, as printed, e.g. 'matmul 1024³, 1 thread ≥ tfjs-wasm'. */
  readonly text: string;
  /** `suite/case` of the measured case. */
  readonly key: string;
  /** Each is judged on its own: [contender, reference]. */
  readonly pairs: readonly (readonly [ContenderId, ContenderId])[];
  readonly atLeast: number;
}

/** A named list of cases; `cases` allocates nothing, each case's setup does. */
export interface Suite {
  readonly name: string;
  readonly title: string;
  cases(quick: boolean): BenchCase[] | Promise<BenchCase[]>;
  /** Lines printed before the table, e.g. which substitutions a column uses. */
  preamble?(): Promise<string[]>;
  /** The goals this suite's cases are judged against, printed after all tables. */
  readonly targets?: readonly Target[];
}

/** gradstream's wasm backend on 1 and on 2 threads, each against tfjs-backend-wasm. */
export const WASM_VS_TFJS_WASM: readonly (readonly [ContenderId, ContenderId])[] = [
  ['gs-wasm-1t', 'tfjs-wasm'],
  ['gs-wasm-2t', 'tfjs-wasm'],
];
