/** What is wrong with a weights file; lets callers branch without parsing messages. */
export type WeightsFileErrorCode =
  | 'unreadable'
  | 'truncated'
  | 'bad-header'
  | 'bad-dtype'
  | 'bad-shape'
  | 'bad-offsets'
  | 'out-of-range'
  | 'non-finite'
  | 'unsupported'
  | 'unwritable';

/**
 * A safetensors file (or byte array) that cannot be read or written. `file` is
 * the path or name given to the reader and `offset` the byte offset in the
 * file where the problem was found. Readers validate the whole header before
 * decoding any tensor, so a caller never sees a half-loaded model.
 *
 * @example
 * ```ts
 * try { loadWeights(model, 'resnet18.safetensors'); }
 * catch (e) { if (e instanceof WeightsFileError) console.error(e.code, e.file, e.offset); }
 * ```
 */
export class WeightsFileError extends Error {
  constructor(
    readonly code: WeightsFileErrorCode,
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${file} (byte ${offset}): ${reason}`);
    this.name = 'WeightsFileError';
  }
}
