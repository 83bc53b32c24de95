#!/usr/bin/env node
/**
 * Browser smoke test of @gradstream/backend-wasm (not part of `pnpm test`:
 * it needs a Chromium). Serves the built packages (packages/*\/dist and
 * packages/backend-wasm/build) from 127.0.0.1 with an import-map test page,
 * loads the page in headless Chromium twice — cross-origin isolated (COOP +
 * COEP, so shared memory and worker threads are available) and not (the
 * single-threaded fallback) — and checks that conv2d forward and its
 * gradients on `wasm` match `cpu`.
 *
 *   pnpm test:browser          (needs `pnpm install` done and /usr/bin/chromium)
 *   CHROMIUM=/path/to/chrome pnpm test:browser
 *
 * Exit codes: 0 all passed, 1 a configuration failed, 2 no browser.
 */
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PAGE_TIMEOUT_MS = 90_000;

if (!existsSync(chromiumPath)) {
  console.error(
    `browser-smoke: ${chromiumPath} not found; install it with \`apt-get install chromium\` (or set CHROMIUM=/path/to/chromium)`,
  );
  process.exit(2);
}

const PACKAGES = ['core', 'backend-cpu', 'backend-wasm'];
for (const p of PACKAGES) {
  if (!existsSync(join(root, 'packages', p, 'dist', 'index.js'))) {
    console.error(`browser-smoke: packages/${p}/dist is missing; run \`pnpm install\` (or \`pnpm build\`) first`);
    process.exit(1);
  }
}
if (
  !existsSync(join(root, 'packages/backend-wasm/build')) ||
  !readdirSync(join(root, 'packages/backend-wasm/build')).some((f) => f.endsWith('.wasm'))
) {
  console.error(
    'browser-smoke: packages/backend-wasm/build/*.wasm is missing; run `pnpm --filter @gradstream/backend-wasm build` first',
  );
  process.exit(1);
}

/**
 * Import map from each package's "exports" (import condition). Subpaths whose
 * files import packages outside the map (core/train needs rxjs, core/testing
 * fast-check) are still listed; the page simply does not import them.
 */
function importMap() {
  const imports = {};
  for (const p of PACKAGES) {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8'));
    for (const [sub, target] of Object.entries(pkg.exports)) {
      const file = typeof target === 'string' ? target : target.import;
      imports[sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`] = `./packages/${p}/${file.replace(/^\.\//, '')}`;
    }
  }
  return { imports };
}

/** Runs in the page: conv2d forward plus gradients on wasm and on cpu. */
const pageScript = `
import { conv2d, getBackend, getBackendName, grads, mul, setBackend, sum, tensor, tidy } from '@gradstream/core';
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';

const out = document.getElementById('result');
function report(r) {
  window.__smoke = r;
  out.textContent = JSON.stringify(r);
}

// Deterministic values in [-1, 1) without touching the framework's RNG.
function values(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

// Big enough (about 2.4 Mflop per conv) to pass the wasm backend's threshold
// for splitting a kernel across threads.
const X = [4, 8, 16, 16], W = [16, 8, 3, 3], Y = [4, 16, 16, 16];
const size = (s) => s.reduce((p, d) => p * d, 1);
const xv = values(size(X), 1), wv = values(size(W), 2), rv = values(size(Y), 3);

function run() {
  return tidy(() => {
    const x = tensor(xv, X), w = tensor(wv, W), r = tensor(rv, Y);
    const y = conv2d(x, w, { padding: 1 });
    // Gradients of sum(conv2d(x, w) * r) with respect to x and w.
    const [dx, dw] = grads((a, b) => sum(mul(conv2d(a, b, { padding: 1 }), r)))([x, w]);
    return { y: y.dataSync().slice(), dx: dx.dataSync().slice(), dw: dw.dataSync().slice() };
  });
}

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

try {
  await setBackend('wasm');
  const backend = getBackend();
  const info = {
    backend: getBackendName(),
    threads: backend.threads,
    relaxedSimd: backend.relaxedSimd,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
  const t0 = performance.now();
  const onWasm = run();
  const wasmMs = performance.now() - t0;
  await setBackend('cpu');
  const onCpu = run();
  const maxAbs = {
    forward: maxAbsDiff(onWasm.y, onCpu.y),
    dx: maxAbsDiff(onWasm.dx, onCpu.dx),
    dw: maxAbsDiff(onWasm.dw, onCpu.dw),
  };
  const scale = Math.max(...['y', 'dx', 'dw'].map((k) => onCpu[k].reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
  report({ done: true, ...info, maxAbsDiff: Math.max(maxAbs.forward, maxAbs.dx, maxAbs.dw), maxAbs, largestValue: scale, wasmMs: Math.round(wasmMs) });
} catch (e) {
  report({ done: true, error: String(e && e.stack ? e.stack : e) });
}
`;

function pageHtml() {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>gradstream wasm smoke</title>
<script type="importmap">${JSON.stringify(importMap())}</script>
</head><body><pre id="result">running</pre>
<script type="module" src="./smoke.js"></script>
</body></html>`;
}

const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.html': 'text/html',
};

/** Only built output is served: packages/<p>/dist/** and packages/backend-wasm/build/*.wasm. */
function servable(rel) {
  const parts = rel.split('/');
  if (parts[0] !== 'packages' || parts.length < 4) return false;
  return parts[2] === 'dist' || (parts[1] === 'backend-wasm' && parts[2] === 'build');
}

// Paths under /coi/ are served cross-origin isolated; under /plain/ not.
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const [, mode, ...rest] = url.pathname.split('/');
  const headers = { 'Cache-Control': 'no-store' };
  if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
  if (mode === 'coi') {
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
  } else if (mode !== 'plain') {
    res.writeHead(404).end();
    return;
  }
  const rel = rest.join('/');
  const send = (status, type, body) => res.writeHead(status, { ...headers, 'Content-Type': type }).end(body);
  if (rel === '' || rel === 'index.html') return send(200, TYPES['.html'], pageHtml());
  if (rel === 'smoke.js') return send(200, TYPES['.js'], pageScript);
  const file = normalize(join(root, decodeURIComponent(rel)));
  if (!file.startsWith(root + sep) || !servable(rel) || !existsSync(file) || !statSync(file).isFile()) {
    return send(404, 'text/plain', `not found: ${rel}`);
  }
  send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
});

/** Checks one page's report; returns the reasons it failed (none = pass). */
function judge(mode, r) {
  if (!r) return ['no result (page timed out)'];
  if (r.error) return [`page error: ${r.error}`];
  const problems = [];
  if (r.backend !== 'wasm') problems.push(`backend is ${r.backend}, not wasm`);
  const tolerance = 1e-4 * Math.max(1, r.largestValue);
  if (!(r.maxAbsDiff <= tolerance))
    problems.push(`wasm and cpu differ by ${r.maxAbsDiff} (tolerance ${tolerance.toExponential(1)})`);
  if (mode === 'coi') {
    if (!r.crossOriginIsolated) problems.push('page is not cross-origin isolated despite COOP/COEP');
    const expected = Math.min(4, Math.max(1, r.hardwareConcurrency ?? 1));
    if (r.threads !== expected)
      problems.push(`threads ${r.threads}, expected ${expected} (min(4, hardwareConcurrency))`);
  } else {
    if (r.crossOriginIsolated) problems.push('page is unexpectedly cross-origin isolated');
    if (r.threads !== 1) problems.push(`threads ${r.threads}, expected 1 without shared memory`);
  }
  return problems;
}

let playwright;
try {
  playwright = await import('playwright-core');
} catch {
  console.error('browser-smoke: playwright-core is not installed; run `pnpm install` at the repo root');
  process.exit(1);
}

await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const profile = mkdtempSync(join(tmpdir(), 'gradstream-chromium-'));
let browser;
let failed = 0;
try {
  const context = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  browser = context;
  const configs = [
    { mode: 'coi', label: 'cross-origin isolated (COOP+COEP): threads' },
    { mode: 'plain', label: 'not isolated: single-threaded fallback' },
  ];
  for (const { mode, label } of configs) {
    const page = await context.newPage();
    const logs = [];
    page.on('console', (m) => m.type() === 'error' && logs.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (q) => logs.push(`request failed: ${q.url()} ${q.failure()?.errorText ?? ''}`));
    page.on('response', (s) => s.status() >= 400 && logs.push(`HTTP ${s.status()}: ${s.url()}`));
    let result;
    try {
      await page.goto(`${base}/${mode}/`);
      await page.waitForFunction(() => window.__smoke?.done === true, undefined, { timeout: PAGE_TIMEOUT_MS });
      result = await page.evaluate(() => window.__smoke);
    } catch (e) {
      logs.push(String(e.message ?? e).split('\n')[0]);
    }
    const problems = judge(mode, result);
    const summary =
      result && !result.error
        ? `backend=${result.backend} threads=${result.threads} relaxedSimd=${result.relaxedSimd} crossOriginIsolated=${result.crossOriginIsolated} maxAbsDiff=${result.maxAbsDiff.toExponential(2)} wasm=${result.wasmMs}ms`
        : '';
    if (problems.length === 0) {
      console.log(`PASS ${label}: ${summary}`);
    } else {
      failed++;
      console.log(`FAIL ${label}${summary ? `: ${summary}` : ''}`);
      for (const p of [...problems, ...logs]) console.log(`  - ${p}`);
    }
    console.log(`  ${JSON.stringify(result ?? null)}`);
    await page.close();
  }
} catch (e) {
  failed++;
  console.log(`FAIL could not drive Chromium: ${e.message ?? e}`);
} finally {
  await browser?.close().catch(() => {});
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(
  failed === 0 ? 'browser smoke: all configurations passed' : `browser smoke: ${failed} configuration(s) failed`,
);
process.exit(failed === 0 ? 0 : 1);
