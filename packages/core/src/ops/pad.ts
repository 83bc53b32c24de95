import { tensor } from '../tensor/creation.js';
import { freeOnThrow } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, fmtShape, fmtValue } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { gather, pad as constantPad } from './layout.js';

/** How `pad` fills the border, as torch.nn.functional.pad's modes. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Options of pad. */
export interface PadOptions {
  /** 'constant' (default) fills with `value`; 'reflect' mirrors without repeating the edge; 'replicate' repeats the edge; 'circular' wraps around. */
  readonly mode?: PadMode;
  /** The fill of 'constant' mode (default 0). */
  readonly value?: number;
}

const MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/** The source position along an axis of length n for padded position i − before. */
function source(mode: Exclude<PadMode, 'constant'>, j: number, n: number): number {
  if (mode === 'replicate') return Math.min(Math.max(j, 0), n - 1);
  if (mode === 'circular') return ((j % n) + n) % n;
  const period = 2 * (n - 1);
  const r = period === 0 ? 0 : ((j % period) + period) % period;
  return r < n ? r : period - r;
}

function checkPairs(x: Tensor, paddings: readonly (readonly [number, number])[]): void {
  if (paddings.length !== x.rank)
    throw new ArgumentError(
      'pad',
      `needs ${x.rank} [before, after] pairs for ${fmtShape(x.shape)}, got ${paddings.length}`,
    );
  for (const pair of paddings) {
    if (pair.length !== 2 || pair.some((v) => !Number.isInteger(v) || v < 0))
      throw new ArgumentError(
        'pad',
        `paddings must be [before, after] pairs of non-negative integers, got ${fmtValue(paddings)}`,
      );
  }
}

/** PyTorch's limits: reflect needs padding < the axis length, circular at most the axis length. */
function checkFits(mode: PadMode, x: Tensor, paddings: readonly (readonly [number, number])[]): void {
  paddings.forEach(([before, after], axis) => {
    if (before === 0 && after === 0) return;
    const n = x.shape[axis]!;
    const limit = mode === 'reflect' ? n - 1 : mode === 'circular' ? n : n > 0 ? Number.POSITIVE_INFINITY : -1;
    if (before > limit || after > limit) {
      const need = mode === 'reflect' ? 'less than' : mode === 'circular' ? 'at most' : 'a non-empty axis, not';
      throw new ShapeError(
        'pad',
        `${mode} padding [${before},${after}] of axis ${axis} needs ${need} its length ${n} (x ${fmtShape(x.shape)})`,
      );
    }
  });
}

/**
 * Pads each dimension by [before, after]: with a constant, or by
 * reflecting, replicating or wrapping the input, as
 * torch.nn.functional.pad (whose pads list the last dimension first; here
 * there is one pair per dimension, first to last). The border modes are a
 * gather per padded axis, so their gradient (a scatter-add of the border
 * back onto the positions it copies) exists to every order on every backend.
 *
 * @example
 * ```ts
 * pad(tensor([[1, 2, 3]]), [[0, 0], [2, 1]], { mode: 'reflect' }).toArray(); // [[3, 2, 1, 2, 3, 2]]
 * pad(tensor([1, 2]), [[1, 1]], { value: 9 }).toArray();                     // [9, 1, 2, 9]
 * ```
 */
export const pad = freeOnThrow(function pad(
  x: Tensor,
  paddings: readonly (readonly [number, number])[],
  options: number | PadOptions = {},
): Tensor {
  const { mode = 'constant', value = 0 } =
    typeof options === 'number' ? { value: options } : checkOptions('pad', options, ['mode', 'value']);
  if (!MODES.includes(mode))
    throw new ArgumentError('pad', `mode must be one of ${MODES.join(', ')}, got ${fmtValue(mode)}`);
  if (mode === 'constant') return constantPad(x, paddings, value);
  if (typeof options !== 'number' && options.value !== undefined)
    throw new ArgumentError('pad', `value is only used by mode 'constant', not '${mode}'`);
  checkPairs(x, paddings);
  checkFits(mode, x, paddings);
  let y = x;
  paddings.forEach(([before, after], axis) => {
    if (before === 0 && after === 0) return;
    const n = x.shape[axis]!;
    const index = tensor(
      Int32Array.from({ length: n + before + after }, (_, i) => source(mode, i - before, n)),
      [n + before + after],
      'int32',
    );
    y = gather(y, index, axis);
    index.disposeWhenFree();
  });
  return y === x ? constantPad(x, paddings, 0) : y;
});
