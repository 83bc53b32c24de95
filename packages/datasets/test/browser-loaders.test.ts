// The dataset loaders of the browser entry (src/index.ts), run in Node against a local HTTP
// server: fetch and DecompressionStream are Node 20 globals. Files are gzipped with Node's
// zlib, an implementation independent of DecompressionStream, and every error is compared
// with the one the Node entry's directory loaders throw for the same bytes.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as node from '@gradstream/datasets/node';
import * as browser from '../src/index.js';
import { gunzip } from '../src/gzip.js';
import { cifarBytes, idxBytes, idxPair, tempDir } from './helpers.js';

const {
  DatasetError,
  cifar10FromBytes,
  cifar10FromUrl,
  fashionMnistFromBytes,
  fashionMnistFromUrl,
  mnistFromBytes,
  mnistFromUrl,
} = browser;

/** What a dataset holds, read sample by sample. */
function contents(ds: browser.Dataset): {
  name: string;
  shape: readonly number[];
  images: number[][];
  labels: number[];
} {
  const images: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < ds.length; i++) {
    const s = ds.get(i);
    images.push(Array.from(s.image));
    labels.push(s.label);
  }
  return { name: ds.name, shape: ds.imageShape, images, labels };
}

/** The error a call throws or rejects with. */
async function caught(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function what(e: unknown): { code: string; offset: number; reason: string } {
  if (!(e instanceof DatasetError)) throw e;
  return { code: e.code, offset: e.offset, reason: e.message.slice(e.message.indexOf('): ') + 3) };
}

// Files the server serves, by path; replaced per test.
let files = new Map<string, Uint8Array>();
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const body = files.get(req.url ?? '');
    if (req.url === '/error/') res.writeHead(500, 'Internal Server Error').end();
    else if (body === undefined) res.writeHead(404, 'Not Found').end();
    else res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function serve(dir: string, named: Record<string, Uint8Array>, gzip: boolean): void {
  files = new Map(Object.entries(named).map(([n, b]) => [`${dir}${n}${gzip ? '.gz' : ''}`, gzip ? gzipSync(b) : b]));
}

/** The pixels idxPair writes, as the floats a Sample holds. */
function expectedImages(count: number, pixels: number): number[][] {
  return Array.from({ length: count }, (_, i) =>
    Array.from({ length: pixels }, (_, p) => Math.fround(((i * pixels + p) & 255) / 255)),
  );
}

describe('browser entry', () => {
  it('has no file-reading loaders', () => {
    expect('mnist' in browser || 'fashionMnist' in browser || 'cifar10' in browser).toBe(false);
  });
});

describe('mnistFromUrl / fashionMnistFromUrl', () => {
  it('loads the gzipped IDX pair of each split from a directory URL', async () => {
    serve('/mnist/', { ...idxPair('train', 12), ...idxPair('t10k', 5) }, true);
    const train = await mnistFromUrl('train', `${base}/mnist/`);
    expect(contents(train)).toEqual({
      name: 'mnist-train',
      shape: [1, 4, 3],
      images: expectedImages(12, 12),
      labels: Array.from({ length: 12 }, (_, i) => i % 10),
    });
    expect(train.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const test = await mnistFromUrl('test', new URL(`${base}/mnist`));
    expect(contents(test).images).toEqual(expectedImages(5, 12));
  });

  it('loads uncompressed files with gzipped: false, and gzip served under any name', async () => {
    serve('/plain/', idxPair('t10k', 7), false);
    expect(contents(await mnistFromUrl('test', `${base}/plain/`, { gzipped: false })).images).toEqual(
      expectedImages(7, 12),
    );
    // Gzip is recognised by content: a .gz file served without the extension still decompresses.
    files = new Map(Object.entries(idxPair('t10k', 7)).map(([n, b]) => [`/plain/${n}`, gzipSync(b)]));
    expect(contents(await mnistFromUrl('test', `${base}/plain/`, { gzipped: false })).images).toEqual(
      expectedImages(7, 12),
    );
  });

  it('resolves a relative URL against the page', async () => {
    serve('/data/mnist/', idxPair('t10k', 3), true);
    vi.stubGlobal('location', { href: `${base}/app/index.html` });
    try {
      expect((await mnistFromUrl('test', '../data/mnist')).length).toBe(3);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('gives what the Node loader gives for the same files, Fashion-MNIST included', async () => {
    const pair = idxPair('train', 20, 28, 28);
    serve('/fashion/', pair, true);
    const { dir, cleanup } = tempDir(pair, true);
    try {
      const fromUrl = await fashionMnistFromUrl('train', `${base}/fashion/`);
      const fromDir = node.fashionMnist('train', { dir });
      expect(contents(fromUrl)).toEqual(contents(fromDir));
      expect(fromUrl.classes).toEqual(fromDir.classes);
      expect(fromUrl.classes[9]).toBe('Ankle boot');
    } finally {
      cleanup();
    }
  });

  it('a missing file is missing-file, a server error unreadable, both naming the URL', async () => {
    serve('/half/', { 'train-images-idx3-ubyte': idxPair('train', 2)['train-images-idx3-ubyte']! }, true);
    const missing = await caught(() => mnistFromUrl('train', `${base}/half/`));
    expect(missing).toMatchObject({ code: 'missing-file', file: `${base}/half/train-labels-idx1-ubyte.gz`, offset: 0 });
    const failing = await caught(() => cifar10FromUrl('test', `${base}/error/`));
    expect(failing).toBeInstanceOf(DatasetError);
    const refused = await caught(() => mnistFromUrl('test', 'http://127.0.0.1:1/'));
    expect(refused).toMatchObject({ code: 'unreadable', file: 'http://127.0.0.1:1/t10k-images-idx3-ubyte.gz' });
  });

  it('an abort rejects with the signal reason', async () => {
    serve('/mnist/', idxPair('t10k', 3), true);
    const controller = new AbortController();
    controller.abort(new Error('stopped by the page'));
    await expect(mnistFromUrl('test', `${base}/mnist/`, { signal: controller.signal })).rejects.toThrow(
      'stopped by the page',
    );
  });
});

describe('same typed errors as the Node loaders', () => {
  type Corruption =
    | { kind: 'cut'; at: number }
    | { kind: 'append'; extra: number }
    | { kind: 'set'; at: number; value: number };
  type CorruptionSpec = {
    which: 'train-images-idx3-ubyte' | 'train-labels-idx1-ubyte';
    how: Corruption;
    gzip: boolean;
  };

  /** A corrupted copy of a valid train pair: one file cut short, extended or with a byte changed. */
  function corrupt({ which, how, gzip }: CorruptionSpec): { pair: Record<string, Uint8Array>; gzip: boolean } {
    const pair = idxPair('train', 4, 2, 2);
    const bytes = pair[which]!;
    let bad: Uint8Array;
    if (how.kind === 'cut') bad = bytes.subarray(0, how.at % bytes.length);
    else if (how.kind === 'append') bad = Uint8Array.from([...bytes, ...new Array<number>(how.extra).fill(1)]);
    else {
      bad = bytes.slice();
      // Header bytes and labels are where a changed byte can break the file.
      bad[how.at % Math.min(bytes.length, 12)] = how.value;
    }
    return { pair: { ...pair, [which]: bad }, gzip };
  }

  const corruptPair = fc
    .record({
      which: fc.constantFrom('train-images-idx3-ubyte' as const, 'train-labels-idx1-ubyte' as const),
      how: fc.oneof(
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('append' as const), extra: fc.integer({ min: 1, max: 9 }) }),
        fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      ),
      gzip: fc.boolean(),
    })
    .map(corrupt);

  // One corruption per parser check, run before the random ones, so the
  // comparison covers every check on every run rather than those 60 random
  // draws happen to reach.
  const everyCheck: CorruptionSpec[] = [
    { which: 'train-images-idx3-ubyte', how: { kind: 'cut', at: 2 }, gzip: false }, // header cut: truncated
    { which: 'train-images-idx3-ubyte', how: { kind: 'cut', at: 20 }, gzip: true }, // pixels cut: truncated
    { which: 'train-labels-idx1-ubyte', how: { kind: 'append', extra: 3 }, gzip: false }, // trailing-bytes
    { which: 'train-images-idx3-ubyte', how: { kind: 'set', at: 2, value: 0x0d }, gzip: false }, // bad-magic
    { which: 'train-images-idx3-ubyte', how: { kind: 'set', at: 3, value: 0 }, gzip: true }, // bad-dims
    { which: 'train-labels-idx1-ubyte', how: { kind: 'set', at: 7, value: 3 }, gzip: false }, // count vs bytes
    { which: 'train-labels-idx1-ubyte', how: { kind: 'set', at: 9, value: 200 }, gzip: false }, // label-range
  ];

  it('over URLs and bytes: the code, offset and reason of Node mnist({ dir })', async () => {
    const codes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(corruptPair, async ({ pair, gzip }) => {
        const { dir, cleanup } = tempDir(pair, gzip);
        let reference: ReturnType<typeof contents> | undefined;
        let expected: unknown;
        try {
          reference = contents(node.mnist('train', { dir }));
        } catch (e) {
          expected = e;
        } finally {
          cleanup();
        }
        serve('/fuzz/', pair, gzip);
        const images = pair['train-images-idx3-ubyte']!;
        const labels = pair['train-labels-idx1-ubyte']!;
        const bytesIn = { images: gzip ? gzipSync(images) : images, labels: gzip ? gzipSync(labels) : labels };
        if (reference !== undefined) {
          // The change left a valid pair (e.g. a pixel byte): both loaders must read what Node read.
          expect(contents(await mnistFromUrl('train', `${base}/fuzz/`, { gzipped: gzip }))).toEqual(reference);
          expect(contents(await mnistFromBytes('train', bytesIn))).toEqual(reference);
          return;
        }
        const fromUrl = await caught(() => mnistFromUrl('train', `${base}/fuzz/`, { gzipped: gzip }));
        const fromBytes = await caught(() => mnistFromBytes('train', bytesIn));
        codes.add(what(expected).code);
        expect(what(fromUrl)).toEqual(what(expected));
        expect(what(fromBytes)).toEqual(what(expected));
        const file = (expected as InstanceType<typeof DatasetError>).file.split('/').at(-1)!.replace(/\.gz$/, '');
        expect((fromUrl as InstanceType<typeof DatasetError>).file).toBe(`${base}/fuzz/${file}${gzip ? '.gz' : ''}`);
        expect((fromBytes as InstanceType<typeof DatasetError>).file).toBe(`<${file}>`);
      }),
      { numRuns: 60, examples: everyCheck.map((spec) => [corrupt(spec)]) },
    );
    // The corruptions reach several of the parser's checks, not one.
    expect([...codes]).toEqual(
      expect.arrayContaining(['truncated', 'trailing-bytes', 'bad-magic', 'bad-dims', 'label-range']),
    );
  });

  it('corrupt gzip is unreadable in both', async () => {
    const pair = idxPair('t10k', 3);
    const gz = gzipSync(pair['t10k-images-idx3-ubyte']!);
    const cut = gz.subarray(0, gz.length - 12);
    const fromDir = tempDir({
      't10k-images-idx3-ubyte.gz': cut,
      't10k-labels-idx1-ubyte': pair['t10k-labels-idx1-ubyte']!,
    });
    try {
      const expected = await caught(() => node.mnist('test', { dir: fromDir.dir }));
      expect(expected).toMatchObject({ code: 'unreadable', offset: 0 });
      const fromBytes = await caught(() =>
        mnistFromBytes('test', { images: cut, labels: pair['t10k-labels-idx1-ubyte']! }),
      );
      expect(fromBytes).toMatchObject({ code: 'unreadable', offset: 0, file: '<t10k-images-idx3-ubyte>' });
      expect((fromBytes as Error).message).toContain('gzip: ');
    } finally {
      fromDir.cleanup();
    }
  });

  it('gunzip stops at its output bound', async () => {
    const big = gzipSync(new Uint8Array(1 << 20));
    const out = await gunzip(big, 'f', 1 << 20);
    expect([out.length, out.every((b) => b === 0)]).toEqual([1 << 20, true]);
    await expect(gunzip(big, 'f', (1 << 20) - 1)).rejects.toMatchObject({ code: 'unreadable', file: 'f' });
  });
});

describe('fromBytes', () => {
  it('mnistFromBytes and fashionMnistFromBytes take raw or gzipped files', async () => {
    const pair = idxPair('train', 6);
    const images = pair['train-images-idx3-ubyte']!;
    const labels = pair['train-labels-idx1-ubyte']!;
    expect(contents(await mnistFromBytes('train', { images, labels })).images).toEqual(expectedImages(6, 12));
    const fashion = await fashionMnistFromBytes('train', { images: gzipSync(images), labels });
    expect(fashion.name).toBe('fashion-mnist-train');
    expect(contents(fashion).images).toEqual(expectedImages(6, 12));
  });

  it('a label outside the classes is label-range at its byte, as in Node', async () => {
    const images = idxBytes([2, 1, 1], [0, 0]);
    const labels = idxBytes([2], [3, 10]);
    const error = await caught(() => mnistFromBytes('test', { images, labels }));
    expect(error).toMatchObject({ code: 'label-range', offset: 9, file: '<t10k-labels-idx1-ubyte>' });
  });
});

describe('cifar10FromUrl / cifar10FromBytes', () => {
  const batches = [0, 1, 2, 3, 4].map((b) => cifarBytes([b, (b + 3) % 10], (r, i) => (b * 31 + r * 7 + i) & 255));
  const testBatch = cifarBytes([9, 8, 7]);
  const named = {
    ...Object.fromEntries(batches.map((b, i) => [`data_batch_${i + 1}.bin`, b])),
    'test_batch.bin': testBatch,
  };

  it('loads the five train batches and the test batch as the Node loader does', async () => {
    const { dir, cleanup } = tempDir(named);
    try {
      for (const gzip of [false, true]) {
        serve('/cifar/', named, gzip);
        for (const split of ['train', 'test'] as const) {
          const fromUrl = await cifar10FromUrl(split, `${base}/cifar/`, { gzipped: gzip });
          expect(contents(fromUrl)).toEqual(contents(node.cifar10(split, { dir })));
        }
      }
      const train = await cifar10FromUrl('train', `${base}/cifar/`, { gzipped: true });
      expect(train.length).toBe(10);
      expect(contents(train).labels).toEqual([0, 3, 1, 4, 2, 5, 3, 6, 4, 7]);
      // Independent of the loaders: record 1 of batch 3, pixel 5.
      expect(train.get(5).image[5]).toBe(Math.fround(((2 * 31 + 7 + 5) & 255) / 255));
    } finally {
      cleanup();
    }
  });

  it('from bytes, gzipped or not; a bad batch is named and located', async () => {
    const test = await cifar10FromBytes('test', [gzipSync(testBatch)]);
    expect(contents(test).labels).toEqual([9, 8, 7]);
    const cut = batches[1]!.subarray(0, 3073 + 100);
    const error = await caught(() => cifar10FromBytes('train', [batches[0]!, cut]));
    const { dir, cleanup } = tempDir({ ...named, 'data_batch_2.bin': cut });
    try {
      expect(what(error)).toEqual(what(await caught(() => node.cifar10('train', { dir }))));
    } finally {
      cleanup();
    }
    expect(error).toMatchObject({ code: 'truncated', offset: 3073, file: '<data_batch_2.bin>' });
  });

  it('refuses no batches or more than the split has', async () => {
    await expect(cifar10FromBytes('train', [])).rejects.toMatchObject({ code: 'missing-file' });
    await expect(cifar10FromBytes('test', [testBatch, testBatch])).rejects.toMatchObject({ code: 'missing-file' });
  });
});
