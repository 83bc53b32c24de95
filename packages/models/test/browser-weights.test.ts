// The weights API of the browser entry (src/index.ts, what a bundler for the browser resolves),
// run in Node: Blob, File, Response and fetch are Node globals; IndexedDB is fake-indexeddb;
// the download goes through a recording stand-in for the page's document.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import '@gradstream/backend-cpu';
import { StateDictError } from '@gradstream/core/nn';
import * as node from '@gradstream/models/node';
import * as browser from '../src/index.js';
import { rawFile } from './safetensors-helpers.js';

const {
  WeightsFileError,
  downloadWeights,
  lenet5,
  loadWeights,
  loadWeightsFromBlob,
  loadWeightsFromIndexedDB,
  loadWeightsFromResponse,
  saveWeightsToIndexedDB,
  weightsToBytes,
} = browser;

const dir = mkdtempSync(join(tmpdir(), 'gradstream-browser-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stateValues(model: { stateDict(): Map<string, { dataSync(): ArrayLike<number> }> }): Map<string, number[]> {
  return new Map([...model.stateDict()].map(([k, t]) => [k, Array.from(t.dataSync())]));
}

/** The bytes of the file the Node entry's saveWeights (the CLI's writer) puts on disk. */
function cliFileBytes(model: browser.LeNet5, metadata?: Record<string, string>): Uint8Array {
  const path = join(dir, `cli-${Math.random().toString(36).slice(2)}.safetensors`);
  node.saveWeights(model, path, metadata);
  return new Uint8Array(readFileSync(path));
}

describe('browser entry', () => {
  it('exports no path-based weights I/O', () => {
    expect('saveWeights' in browser).toBe(false);
    expect(browser.loadWeights).not.toBe(node.loadWeights);
  });
});

describe('weightsToBytes / loadWeights(bytes)', () => {
  it('are the bytes of the file saveWeights writes, and load what it wrote', () => {
    using a = lenet5({ seed: 1 });
    using b = lenet5({ seed: 2 });
    const bytes = weightsToBytes(a, { steps: '300' });
    expect(bytes).toEqual(cliFileBytes(a, { steps: '300' }));
    expect(loadWeights(b, bytes)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(stateValues(b)).toEqual(stateValues(a));
  });

  it('a file saved by the Node entry loads in the browser entry and back', () => {
    using a = lenet5({ seed: 3 });
    using b = lenet5({ seed: 4 });
    using c = lenet5({ seed: 5 });
    loadWeights(b, cliFileBytes(a));
    const path = join(dir, 'from-page.safetensors');
    node.saveWeights(b, path);
    node.loadWeights(c, path);
    expect(stateValues(c)).toEqual(stateValues(a));
  });
});

describe('loadWeightsFromBlob', () => {
  it('loads a File a person picked, and names it in errors', async () => {
    using a = lenet5({ seed: 1 });
    using b = lenet5({ seed: 2 });
    const file = new File([cliFileBytes(a) as Uint8Array<ArrayBuffer>], 'lenet5.safetensors');
    expect(await loadWeightsFromBlob(b, file)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(stateValues(b)).toEqual(stateValues(a));
    const corrupt = new File(
      [
        rawFile(
          { w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } },
          new Uint8Array(4),
        ) as Uint8Array<ArrayBuffer>,
      ],
      'bad.safetensors',
    );
    const error = await loadWeightsFromBlob(b, corrupt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsFileError);
    expect((error as InstanceType<typeof WeightsFileError>).file).toBe('bad.safetensors');
  });

  it('passes strict through: a model/file mismatch throws, or is reported with strict false', async () => {
    using a = lenet5({ seed: 1 });
    using b = lenet5({ seed: 2, numClasses: 5 });
    const blob = new Blob([weightsToBytes(a) as Uint8Array<ArrayBuffer>]);
    await expect(loadWeightsFromBlob(b, blob)).rejects.toThrow(StateDictError);
    using c = lenet5({ seed: 2 });
    const partial = new Map([...a.stateDict()].filter(([k]) => k.startsWith('conv1.')));
    const raw = new Map(
      [...partial].map(([k, t]) => [
        k,
        { dtype: 'float32' as const, shape: t.shape, data: t.dataSync() as Float32Array },
      ]),
    );
    const result = await loadWeightsFromBlob(c, new Blob([browser.encodeSafetensors(raw) as Uint8Array<ArrayBuffer>]), {
      strict: false,
    });
    expect(result.unexpectedKeys).toEqual([]);
    expect(result.missingKeys).toEqual([...c.stateDict().keys()].filter((k) => !k.startsWith('conv1.')));
  });
});

describe('loadWeightsFromResponse', () => {
  let server: Server;
  let base: string;
  let served: Uint8Array;
  beforeAll(async () => {
    using a = lenet5({ seed: 7 });
    served = cliFileBytes(a);
    server = createServer((req, res) => {
      if (req.url === '/lenet5.safetensors') res.end(served);
      else res.writeHead(404, 'Not Found').end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('loads what a local server serves', async () => {
    using b = lenet5({ seed: 8 });
    await loadWeightsFromResponse(b, await fetch(`${base}/lenet5.safetensors`));
    expect(weightsToBytes(b)).toEqual(served);
  });

  it('an HTTP error is an unreadable WeightsFileError naming the URL', async () => {
    using b = lenet5({ seed: 8 });
    const url = `${base}/absent.safetensors`;
    const error = await loadWeightsFromResponse(b, await fetch(url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsFileError);
    expect(error).toMatchObject({ code: 'unreadable', file: url, offset: 0 });
    expect((error as Error).message).toContain('HTTP 404 Not Found');
  });
});

describe('IndexedDB', () => {
  it('saves and loads under a key; the stored value is the file bytes', async () => {
    const indexedDB = new IDBFactory();
    using a = lenet5({ seed: 1 });
    using b = lenet5({ seed: 2 });
    await saveWeightsToIndexedDB(a, 'lenet5', { indexedDB, metadata: { steps: '10' } });
    expect(await loadWeightsFromIndexedDB(b, 'lenet5', { indexedDB })).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(stateValues(b)).toEqual(stateValues(a));
    // Read the store directly, not through the code under test.
    const db = await new Promise<IDBDatabase>((resolve) => {
      const open = indexedDB.open('gradstream');
      open.onsuccess = () => resolve(open.result);
    });
    const stored = await new Promise<unknown>((resolve) => {
      const get = db.transaction('weights').objectStore('weights').get('lenet5');
      get.onsuccess = () => resolve(get.result);
    });
    db.close();
    expect(stored).toEqual(cliFileBytes(a, { steps: '10' }));
  });

  it('overwrites a key, keeps keys and databases apart, and uses globalThis.indexedDB by default', async () => {
    vi.stubGlobal('indexedDB', new IDBFactory());
    try {
      using a = lenet5({ seed: 1 });
      using b = lenet5({ seed: 2 });
      using c = lenet5({ seed: 3 });
      await saveWeightsToIndexedDB(a, 'k');
      await saveWeightsToIndexedDB(b, 'k');
      await saveWeightsToIndexedDB(a, 'k', { database: 'other' });
      await saveWeightsToIndexedDB(a, 'k2');
      await loadWeightsFromIndexedDB(c, 'k');
      expect(stateValues(c)).toEqual(stateValues(b));
      await loadWeightsFromIndexedDB(c, 'k', { database: 'other' });
      expect(stateValues(c)).toEqual(stateValues(a));
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('a missing key is an unreadable WeightsFileError naming database and key', async () => {
    const indexedDB = new IDBFactory();
    using b = lenet5({ seed: 2 });
    const error = await loadWeightsFromIndexedDB(b, 'nothing', { indexedDB, database: 'db1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsFileError);
    expect(error).toMatchObject({ code: 'unreadable', file: 'indexeddb:db1/nothing' });
  });

  it('without IndexedDB the error says so', async () => {
    using b = lenet5({ seed: 2 });
    await expect(saveWeightsToIndexedDB(b, 'k')).rejects.toMatchObject({ code: 'unsupported' });
  });
});

describe('downloadWeights', () => {
  it('clicks a hidden link to a blob of the file bytes, named as asked, then revokes it', async () => {
    using a = lenet5({ seed: 1 });
    const blobs = new Map<string, Blob>();
    const revoked: string[] = [];
    const clicked: { href: string; download: string; attached: boolean }[] = [];
    const attached = new Set<object>();
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      const url = `blob:test/${blobs.size}`;
      blobs.set(url, blob as Blob);
      return url;
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => {
      revoked.push(url);
    });
    const link = {
      href: '',
      download: '',
      style: { display: '' },
      click() {
        clicked.push({ href: this.href, download: this.download, attached: attached.has(this) });
      },
      remove() {
        attached.delete(this);
      },
    };
    vi.stubGlobal('document', {
      createElement: (tag: string) => (tag === 'a' ? link : undefined),
      body: { append: (el: object) => attached.add(el) },
    });
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      downloadWeights(a, 'lenet5.safetensors', { steps: '300' });
      expect(clicked).toEqual([{ href: 'blob:test/0', download: 'lenet5.safetensors', attached: true }]);
      expect(attached.size).toBe(0);
      const blob = blobs.get('blob:test/0')!;
      expect(new Uint8Array(await blob.arrayBuffer())).toEqual(cliFileBytes(a, { steps: '300' }));
      // The blob URL outlives the click long enough for any browser to start the download.
      vi.advanceTimersByTime(39_999);
      expect(revoked).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(revoked).toEqual(['blob:test/0']);
    } finally {
      vi.useRealTimers();
      vi.unstubAllGlobals();
      vi.restoreAllMocks();
    }
  });
});
