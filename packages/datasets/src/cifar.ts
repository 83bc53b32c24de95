import { DatasetError } from './errors.js';

/** One parsed CIFAR-10 binary batch: images as contiguous C×H×W bytes and one label byte per image. */
export interface CifarBatch {
  readonly count: number;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

/** Pixels per CIFAR image: 3 planes (R, G, B) of 32×32. */
export const CIFAR_PIXELS = 3 * 32 * 32;
const RECORD = 1 + CIFAR_PIXELS;
const CIFAR_CLASSES = 10;

/**
 * Parses one CIFAR-10 binary batch (`data_batch_N.bin`, `test_batch.bin`):
 * records of 3,073 bytes, a label byte (0–9) followed by 1,024 red, 1,024
 * green and 1,024 blue bytes. Throws {@link DatasetError} when the length is
 * not a whole number of records or a label is out of range.
 *
 * @example
 * ```ts
 * const { count, images, labels } = parseCifarBatch(readFileSync('test_batch.bin'), 'test_batch.bin');
 * // count = 10000, images.length = 30_720_000
 * ```
 */
export function parseCifarBatch(bytes: Uint8Array, fileName: string): CifarBatch {
  if (bytes.length === 0)
    throw new DatasetError('truncated', fileName, 0, 'empty file; expected 3,073-byte CIFAR-10 records');
  const whole = Math.floor(bytes.length / RECORD) * RECORD;
  if (whole !== bytes.length) {
    throw new DatasetError(
      'truncated',
      fileName,
      whole,
      `${bytes.length} bytes is not a whole number of 3,073-byte records (last record has ${bytes.length - whole} bytes)`,
    );
  }
  const count = bytes.length / RECORD;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[i * RECORD]!;
    if (label >= CIFAR_CLASSES)
      throw new DatasetError('label-range', fileName, i * RECORD, `label ${label} of record ${i}; expected 0 to 9`);
    labels[i] = label;
  }
  // Labels are validated first so a bad file costs no image copy.
  const images = new Uint8Array(count * CIFAR_PIXELS);
  for (let i = 0; i < count; i++) {
    images.set(bytes.subarray(i * RECORD + 1, (i + 1) * RECORD), i * CIFAR_PIXELS);
  }
  return { count, images, labels };
}
