import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

// The output bound of every synchronous inflate, to check that none is larger than the header allows.
const bounds: number[] = [];
vi.mock('node:zlib', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:zlib')>();
  return {
    ...real,
    gunzipSync: (buf: Uint8Array, options?: zlib.ZlibOptions) => {
      bounds.push(options?.maxOutputLength ?? Number.POSITIVE_INFINITY);
      return real.gunzipSync(buf, options);
    },
  };
});

const { mnist, mnistFromBytes } = await import('@gradstream/datasets');

const dir = mkdtempSync(join(tmpdir(), 'gradstream-idx-bomb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  bounds.length = 0;
});

function idx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 + dims.length);
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d);
  });
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const MB = 1 << 20;
/** Bytes inflated past the declared end, so stray bytes get the parser's exact report. */
const SLACK = 1 << 16;
/**
 * A 10-image IDX file whose gzip goes on to inflate to about 1.1 GB of zeros:
 * gzip members concatenate, so 70 copies of one 16 MB member of zeros (16 KB
 * compressed) build it in a few milliseconds.
 */
function bomb(header: Uint8Array): Uint8Array {
  const zeros = zlib.gzipSync(new Uint8Array(16 * MB), { level: 9 });
  const first = zlib.gzipSync(header);
  const out = new Uint8Array(first.length + 70 * zeros.length);
  out.set(first);
  for (let i = 0; i < 70; i++) out.set(zeros, first.length + i * zeros.length);
  return out;
}

const IMAGES = idx([10, 28, 28], new Uint8Array(10 * 28 * 28));
const LABELS = idx([10], new Uint8Array(10));

describe('gzipped IDX files are inflated no further than their header declares', () => {
  it('a bomb behind a valid header: trailing-bytes at the declared end, every inflate bounded by the header', () => {
    const file = join(dir, 't10k-images-idx3-ubyte.gz');
    writeFileSync(file, bomb(IMAGES));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(LABELS));
    expect(() => mnist('test', { dir })).toThrow(
      expect.objectContaining({
        code: 'trailing-bytes',
        file,
        offset: IMAGES.length,
        message: `${file} (byte ${IMAGES.length}): gzip: decompresses to more than ${IMAGES.length + SLACK} bytes, past the ${IMAGES.length} its header declares`,
      }),
    );
    // The header probe (at most 1 MiB of output), then the file itself at its declared 7,856 bytes
    // and 64 KiB of slack (+1 to see more): not the 1.1 GB it would inflate to.
    expect(bounds.length).toBeGreaterThanOrEqual(2);
    expect(bounds.every((b) => b <= MB)).toBe(true);
    expect(bounds.at(-1)).toBe(IMAGES.length + SLACK + 1);
  });

  it('a bad header is rejected before the body is inflated', () => {
    const bad = Uint8Array.from(IMAGES);
    bad[2] = 0x0d; // float32 elements
    const badDir = join(dir, 'bad');
    mkdirSync(badDir);
    const file = join(badDir, 't10k-images-idx3-ubyte.gz');
    writeFileSync(file, bomb(bad));
    writeFileSync(join(badDir, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(LABELS));
    expect(() => mnist('test', { dir: badDir })).toThrow(
      expect.objectContaining({ code: 'bad-magic', file, offset: 2 }),
    );
    // Only header probes ran, none of them allowed to inflate more than 1 MiB.
    expect(bounds.length).toBeGreaterThanOrEqual(1);
    expect(bounds.every((b) => b <= MB)).toBe(true);
  });

  it('a few stray bytes after the data get the same report as in an uncompressed file', () => {
    const strayDir = join(dir, 'stray');
    mkdirSync(strayDir);
    const file = join(strayDir, 't10k-images-idx3-ubyte.gz');
    writeFileSync(file, zlib.gzipSync(Uint8Array.from([...IMAGES, 1, 2, 3])));
    writeFileSync(join(strayDir, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(LABELS));
    expect(() => mnist('test', { dir: strayDir })).toThrow(
      expect.objectContaining({
        code: 'trailing-bytes',
        offset: IMAGES.length,
        message: expect.stringContaining('3 bytes after the data of dimensions [10, 28, 28]'),
      }),
    );
  });

  it('the same files still load when they are what their header says', () => {
    const okDir = join(dir, 'ok');
    mkdirSync(okDir);
    writeFileSync(join(okDir, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(IMAGES));
    writeFileSync(join(okDir, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(LABELS));
    expect(mnist('test', { dir: okDir }).length).toBe(10);
  });

  it('in a page (DecompressionStream) the bomb stops at the declared end too', async () => {
    const images = zlib.gzipSync(idx([10, 28, 28], new Uint8Array(10 * 28 * 28 + 64 * MB)), { level: 1 });
    await expect(mnistFromBytes('test', { images, labels: zlib.gzipSync(LABELS) })).rejects.toMatchObject({
      code: 'trailing-bytes',
      offset: IMAGES.length,
      // Stopped by the bound, not found by the parser after inflating all 64 MB.
      message: expect.stringContaining(`past the ${IMAGES.length} its header declares`),
    });
  });
});
