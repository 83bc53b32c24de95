import { add, mul, neg } from '../ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';

/** The gradient the rule descends: −g when maximizing (torch's `maximize`), then + wd·p (L2 decay), in torch's order. */
export function descentGradient(p: Tensor, g: Tensor, maximize: boolean, weightDecay: number): Tensor {
  const d = maximize ? neg(g) : g;
  return weightDecay ? add(d, mul(p, weightDecay)) : d;
}

/** Rejects hyperparameters outside their ranges, naming the group. */
export function checkRange(where: string, name: string, v: number, lo: number, hi = Infinity, hiOpen = false): void {
  if (!(v >= lo && (hiOpen ? v < hi : v <= hi)))
    throw new ArgumentError(where, `${name} must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`);
}

/** Checks Adam-family betas: two numbers in [0, 1). */
export function checkBetas(where: string, betas: readonly number[]): void {
  if (betas.length !== 2) throw new ArgumentError(where, `betas must be two numbers, got [${betas}]`);
  checkRange(where, 'betas[0]', betas[0]!, 0, 1, true);
  checkRange(where, 'betas[1]', betas[1]!, 0, 1, true);
}

/** Drops keys whose value is undefined, so they do not override defaults. */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
