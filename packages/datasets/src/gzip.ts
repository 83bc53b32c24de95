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
 * How a format states its own length in its first bytes (IDX does, in its
 * dimensions), so that gzip is inflated only as far as the header allows.
 */
export interface DeclaredLength {
  /** Bytes of decompressed data `length` needs (it gets fewer when the whole file is shorter). */
  readonly headerBytes: number;
  /** The file's full decompressed length as its header declares it; throws the format's DatasetError for a bad header. */
  readonly length: (head: Uint8Array, file: string) => number;
}

/**
 * Output allowed past a header's declared length: a few stray bytes are then
 * reported by the format's parser exactly (count and offset), as they are
 * for an uncompressed file, while a bomb still stops near the declared end.
 */
const TRAILING_SLACK = 1 << 16;

/** How far to inflate a gzip stream whose first bytes are `head`, and the length its header declared (if any). */
export interface OutputLimit {
  readonly limit: number;
  readonly declaredLength?: number;
}

/**
 * The output limit for a gzip stream whose first bytes are `head`: the
 * length its header declares (plus a little slack), checked against `maxBytes`.
 */
export function outputLimit(
  head: Uint8Array,
  file: string,
  declared: DeclaredLength | undefined,
  maxBytes: number,
): OutputLimit {
  if (declared === undefined) return { limit: maxBytes };
  const declaredLength = declared.length(head, file);
  if (declaredLength > maxBytes)
    throw new DatasetError(
      'bad-dims',
      file,
      0,
      `header declares ${declaredLength} bytes, more than the ${maxBytes}-byte limit`,
    );
  return { limit: Math.min(maxBytes, declaredLength + TRAILING_SLACK), declaredLength };
}

/** The error for a gzip stream that inflates past its limit. */
export function tooLong(file: string, { limit, declaredLength }: OutputLimit): DatasetError {
  return declaredLength === undefined
    ? new DatasetError('unreadable', file, 0, `gzip: decompresses to more than ${limit} bytes`)
    : new DatasetError(
        'trailing-bytes',
        file,
        declaredLength,
        `gzip: decompresses to more than ${limit} bytes, past the ${declaredLength} its header declares`,
      );
}

/**
 * Decompresses gzip `bytes` with the platform's `DecompressionStream` (browsers,
 * Node 18+). With `declared`, the first decompressed bytes are checked as the
 * format's header before the rest is inflated, and the output stops shortly
 * after the length that header declares. Fails with a {@link DatasetError} naming
 * `file`: the format's own for a bad header, `trailing-bytes` past the
 * declared length, `unreadable` past `maxBytes` or for a corrupt or
 * truncated stream.
 */
export async function gunzip(
  bytes: Uint8Array,
  file: string,
  maxBytes = MAX_GUNZIP_BYTES,
  declared?: DeclaredLength,
): Promise<Uint8Array> {
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
  let limit: OutputLimit | undefined = declared === undefined ? { limit: maxBytes } : undefined;
  const checkHeader = (): OutputLimit => outputLimit(concat(chunks, total), file, declared, maxBytes);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      chunks.push(value);
      if (limit === undefined && total >= declared!.headerBytes) limit = checkHeader();
      if (limit !== undefined && total > limit.limit) throw tooLong(file, limit);
    }
    if (limit === undefined) checkHeader();
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (e instanceof DatasetError) throw e;
    throw new DatasetError('unreadable', file, 0, `gzip: ${(e as Error).message}`);
  }
  return concat(chunks, total);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
