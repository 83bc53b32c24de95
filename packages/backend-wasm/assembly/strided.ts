// Odometer over the outer dimensions of a strided-loop descriptor (see
// opcodes.ts): gives each operand's offset at the start of an innermost row.

import * as S from './opcodes';
import { word } from './mem';

/** Element offsets of operands A, B, C set by seekRow (globals are per instance, so per thread). */
export let offA = 0;
export let offB = 0;
export let offC = 0;

/** Sets offA/offB/offC to the start of row `row` of the descriptor's loop nest. */
export function seekRow(d: usize, row: i32): void {
  const rank = word(d, S.SD_RANK);
  let oa = 0, ob = 0, oc = 0;
  let rest = row;
  for (let k = rank - 2; k >= 0; k--) {
    const size = word(d, S.SD_SHAPE + k);
    const i = rest % size;
    rest /= size;
    oa += i * word(d, S.SD_STRIDES_A + k);
    ob += i * word(d, S.SD_STRIDES_B + k);
    oc += i * word(d, S.SD_STRIDES_C + k);
  }
  offA = oa;
  offB = ob;
  offC = oc;
}

/** Number of innermost rows of the loop nest. */
@inline export function rowCount(d: usize): i32 {
  const rank = word(d, S.SD_RANK);
  let rows = 1;
  for (let k = 0; k < rank - 1; k++) rows *= word(d, S.SD_SHAPE + k);
  return rows;
}

/** Length of the innermost row. */
@inline export function rowLength(d: usize): i32 {
  return word(d, S.SD_SHAPE + word(d, S.SD_RANK) - 1);
}

/** Innermost stride of operand A, B or C (which = 0, 1, 2). */
@inline export function innerStride(d: usize, which: i32): i32 {
  return word(d, S.SD_STRIDES_A + which * S.MAX_RANK + word(d, S.SD_RANK) - 1);
}
