import { DatasetError } from './errors.js';
import type { FileBytes } from './file-bytes.js';
import { type DeclaredLength, gunzip, isGzip } from './gzip.js';

function reason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return message + cause;
}

/** `bytes`, gunzipped if they are gzip (by content, no further than `declared` allows), named `path`. */
export async function decompressed(bytes: Uint8Array, path: string, declared?: DeclaredLength): Promise<FileBytes> {
  return { bytes: isGzip(bytes) ? await gunzip(bytes, path, undefined, declared) : bytes, path };
}

/**
 * Fetches one data file, gunzipping it if it is gzip (bounded by `declared`). A 404 or 410 is a
 * `missing-file` {@link DatasetError} and any other failure `unreadable`, both
 * naming the URL, as reading a directory does in Node. An abort through
 * `signal` rejects with the signal's reason, not a DatasetError.
 */
export async function fetchDataFile(url: URL, signal?: AbortSignal, declared?: DeclaredLength): Promise<FileBytes> {
  const path = url.href;
  let bytes: Uint8Array;
  try {
    const response = await fetch(url, signal === undefined ? {} : { signal });
    if (response.status === 404 || response.status === 410)
      throw new DatasetError('missing-file', path, 0, `not found (HTTP ${response.status})`);
    if (!response.ok)
      throw new DatasetError('unreadable', path, 0, `HTTP ${response.status} ${response.statusText}`.trimEnd());
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    if (signal?.aborted) throw signal.reason;
    throw new DatasetError('unreadable', path, 0, reason(e));
  }
  return decompressed(bytes, path, declared);
}

/**
 * `base` as a directory URL: resolved against the page's address when it is
 * relative, with a trailing slash so file names are appended, not substituted.
 */
export function directoryUrl(base: string | URL): URL {
  const page = (globalThis as { location?: { href: string } }).location?.href;
  const url = new URL(base, page);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}
