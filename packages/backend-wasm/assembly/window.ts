// The window descriptor (conv, pooling, unfold) read in place: one i32 per
// field at the word offsets of opcodes.ts, so the TypeScript writer and the
// kernels share one layout. Getters are inlined into loads, so a kernel pays
// nothing for reading `g.KW` instead of a local it decoded itself.

import * as F from './opcodes';
import { word } from './mem';

@unmanaged export class Window {
  @inline private at(field: i32): i32 {
    return word(changetype<usize>(this), field);
  }

  /** Images, input channels (per plane group for pooling), output channels, groups. */
  @inline get N(): i32 { return this.at(F.W_N); }
  @inline get C(): i32 { return this.at(F.W_C); }
  @inline get O(): i32 { return this.at(F.W_O); }
  @inline get groups(): i32 { return this.at(F.W_GROUPS); }

  /** Input size. */
  @inline get D(): i32 { return this.at(F.W_D); }
  @inline get H(): i32 { return this.at(F.W_H); }
  @inline get W(): i32 { return this.at(F.W_W); }

  /** Kernel size. */
  @inline get KD(): i32 { return this.at(F.W_KD); }
  @inline get KH(): i32 { return this.at(F.W_KH); }
  @inline get KW(): i32 { return this.at(F.W_KW); }

  /** Output size. */
  @inline get OD(): i32 { return this.at(F.W_OD); }
  @inline get OH(): i32 { return this.at(F.W_OH); }
  @inline get OW(): i32 { return this.at(F.W_OW); }

  /** Stride. */
  @inline get SD(): i32 { return this.at(F.W_SD); }
  @inline get SH(): i32 { return this.at(F.W_SH); }
  @inline get SW(): i32 { return this.at(F.W_SW); }

  /** Dilation. */
  @inline get DD(): i32 { return this.at(F.W_DD); }
  @inline get DH(): i32 { return this.at(F.W_DH); }
  @inline get DW(): i32 { return this.at(F.W_DW); }

  /** Padding before each dimension. */
  @inline get PD(): i32 { return this.at(F.W_PD); }
  @inline get PH(): i32 { return this.at(F.W_PH); }
  @inline get PW(): i32 { return this.at(F.W_PW); }

  /** Padding after each dimension. */
  @inline get PDAfter(): i32 { return this.at(F.W_PD_AFTER); }
  @inline get PHAfter(): i32 { return this.at(F.W_PH_AFTER); }
  @inline get PWAfter(): i32 { return this.at(F.W_PW_AFTER); }

  /** Average pooling divides by the taps inside the padded input (else inside the input). */
  @inline get countIncludePad(): bool { return this.at(F.W_COUNT_INCLUDE_PAD) != 0; }

  /** Positions per input plane. */
  @inline get inSize(): i32 { return this.D * this.H * this.W; }
  /** Taps per window. */
  @inline get kernelSize(): i32 { return this.KD * this.KH * this.KW; }
  /** Positions per output plane. */
  @inline get outSize(): i32 { return this.OD * this.OH * this.OW; }
  /** Output rows: (od, oh) pairs, each OW wide. */
  @inline get outRows(): i32 { return this.OD * this.OH; }
}

/** The descriptor at d. */
@inline export function windowAt(d: usize): Window {
  return changetype<Window>(d);
}
