import type { ContenderId } from '../contenders.js';
import type { BenchCase } from '../harness.js';

/**
 * A speed goal of one case, judged on the figures of the same run: the
 * reference's time over the contender's must be at least `atLeast`, or, for a
 * `RateTarget`, the contender's throughput must reach `atLeast` per second.
 */
export type Target = RatioTarget | RateTarget | EfficiencyTarget;

export interface RatioTarget {
  readonly kind?: 'ratio';
  /** What is promised, as printed, e.g. 'matmul 1024³, 1 thread ≥ tfjs-wasm'. */
  readonly text: string;
  /** `suite/case` of the measured case. */
  readonly key: string;
  /** Each is judged on its own: [contender, reference]. */
  readonly pairs: readonly (readonly [ContenderId, ContenderId])[];
  readonly atLeast: number;
}

/** An absolute throughput goal: `units` (the case's `flops` count, e.g. values filled) per second. */
export interface RateTarget {
  readonly kind: 'rate';
  readonly text: string;
  readonly key: string;
  readonly contenders: readonly ContenderId[];
  /** Units per second, e.g. 100e6 values/s. */
  readonly atLeast: number;
  /** What one unit is, as printed after the rate: 'M values/s'. */
  readonly unit: 'M values/s';
}

/**
 * A contender's GFLOP/s on one case as a fraction of its own GFLOP/s on
 * another (`baseline`) in the same run: how close a network's convolutions
 * come to the matmul kernel they are built on.
 */
export interface EfficiencyTarget {
  readonly kind: 'efficiency';
  readonly text: string;
  readonly key: string;
  readonly baseline: string;
  readonly contenders: readonly ContenderId[];
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

/** gradstream's wasm backend on 1 and on 2 threads, each against PyTorch at the same thread count. */
export const WASM_VS_TORCH: readonly (readonly [ContenderId, ContenderId])[] = [
  ['gs-wasm-1t', 'torch-1t'],
  ['gs-wasm-2t', 'torch-2t'],
];

/** gradstream's wasm backend on 1 and on 2 threads, each against tfjs-backend-wasm. */
export const WASM_VS_TFJS_WASM: readonly (readonly [ContenderId, ContenderId])[] = [
  ['gs-wasm-1t', 'tfjs-wasm'],
  ['gs-wasm-2t', 'tfjs-wasm'],
];
