import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** An IDX ubyte file with the given dimensions and payload. */
export function idxBytes(dims: readonly number[], data: Uint8Array | readonly number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** CIFAR-10 records: for each label, a label byte and 3072 pixels made by `pixel(record, index)`. */
export function cifarBytes(
  labels: readonly number[],
  pixel: (record: number, i: number) => number = (r, i) => (r * 7 + i) & 255,
): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((l, r) => {
    out[r * 3073] = l;
    for (let i = 0; i < 3072; i++) out[r * 3073 + 1 + i] = pixel(r, i);
  });
  return out;
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(files: Record<string, Uint8Array>, gzip = false): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gradstream-datasets-'));
  for (const [name, bytes] of Object.entries(files))
    writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small MNIST-layout pair: `count` images of h×w with pixel = (i + p) mod 256, labels i mod 10. */
export function idxPair(prefix: 'train' | 't10k', count: number, h = 4, w = 3): Record<string, Uint8Array> {
  const pixels = Uint8Array.from({ length: count * h * w }, (_, k) => k & 255);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return {
    [`${prefix}-images-idx3-ubyte`]: idxBytes([count, h, w], pixels),
    [`${prefix}-labels-idx1-ubyte`]: idxBytes([count], labels),
  };
}
