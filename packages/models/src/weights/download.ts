import type { Module } from '@gradstream/core/nn';
import { weightsToBytes } from './bytes.js';

const REVOKE_AFTER_MS = 40_000;

/**
 * Offers `model`'s weights to the person as a file download named `fileName`
 * (a page only: it needs `document`). The file holds the bytes of
 * `weightsToBytes`, so `gradstream eval --weights <file>` reads it as it reads
 * the CLI's own.
 *
 * @example
 * ```ts
 * saveButton.onclick = () => downloadWeights(model, 'lenet5.safetensors', { steps: '300' });
 * ```
 */
export function downloadWeights(model: Module, fileName: string, metadata?: Readonly<Record<string, string>>): void {
  const bytes = weightsToBytes(model, metadata, fileName);
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    // Some browsers start reading the blob only after the click returns, so the URL lives on a while
    // (FileSaver.js waits as long) before its memory is released.
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}
