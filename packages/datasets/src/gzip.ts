import { DatasetError } from './errors.js';

/** Largest decompressed file accepted; a corrupt or hostile .gz must not exhaust memory. */
export const MAX_GUNZIP_BYTES = 1 << 30;

/**
 * Whether `bytes` start with the gzip magic 1f 8b. Data files are recognised
 * as gzipped by content, not name: IDX and CIFAR files never start that way,
 * and a server may already have undone a `Content-Encoding: gzip`.
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip `bytes` with the platform's `DecompressionStream` (browsers,
 * Node 18+), stopping with an `unreadable` {@link DatasetError} naming `file`
 * once the output passes `maxBytes` or the stream is corrupt or truncated.
 */
export async function gunzip(bytes: Uint8Array, file: string, maxBytes = MAX_GUNZIP_BYTES): Promise<Uint8Array> {
  // Streams take no views of shared memory, so those are copied first.
  const chunk = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const input = new ReadableStream<BufferSource>({
    start(controller) {
      controller.enqueue(chunk);
      controller.close();
    },
  });
  const reader = input.pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new DatasetError('unreadable', file, 0, `gzip: decompresses to more than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError('unreadable', file, 0, `gzip: ${(e as Error).message}`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
