/**
 * LeNet-5 training speed on the wasm backend with 2 threads, in Chromium (the
 * playground's training worker) and in Node (the same training code:
 * src/training.ts's fit() pipeline, held-out accuracy every 100 steps and a
 * weights copy every 2 s, as the worker does), measured in turns in one
 * process so that both see the same load on the machine.
 *
 *   npx tsx --tsconfig tsconfig.json packages/playground/scripts/compare-node.ts [--rounds 3] [--steps 200]
 *
 * Each turn trains a new model from the same seed and times steps
 * WARM..WARM+steps (after the warm-up that grows wasm memory) at the page's default batch size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setBackend } from '@gradstream/core';
import { setThreads } from '@gradstream/backend-wasm';
import { lenet5, weightsToBytes } from '@gradstream/models';
import { chromium } from 'playwright-core';
import { asyncScheduler, throttleTime } from 'rxjs';
import { build, preview } from 'vite';
import { playgroundConfig } from '../config.js';
import { loadMnist } from '../src/data.js';
import { type TrainSettings, batches, heldOutAccuracy, makeOptimizer } from '../src/training.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, steps: { type: 'string', default: '200' } },
});
const ROUNDS = Number(values.rounds);
const STEPS = Number(values.steps);
const WARM = 30;
const THREADS = 2;
// The page's defaults.
const SETTINGS: TrainSettings = { batchSize: 128, lr: 0.002, optimizer: 'adam' };

const samplesPerSec = (ms: number): number => (STEPS * SETTINGS.batchSize) / (ms / 1000);

await build({ ...playgroundConfig(), configFile: false, logLevel: 'warn' });
const server = await preview({ ...playgroundConfig({ port: 0 }), configFile: false, logLevel: 'warn' });
const origin = server.resolvedUrls!.local[0]!;
// A profile on disk, as the e2e test uses.
const profile = mkdtempSync(join(tmpdir(), 'gradstream-compare-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});

await setThreads(THREADS);
await setBackend('wasm');
// The same files, fetched from the same server, as the worker loads.
const data = await loadMnist(new URL('data/mnist/', origin).href);

/** Milliseconds for steps WARM..WARM+STEPS of a fresh run in Node. */
async function nodeRun(): Promise<number> {
  const model = lenet5({ seed: 0 });
  const optimizer = makeOptimizer(model, SETTINGS);
  const events = batches(model, optimizer, data.train, SETTINGS);
  try {
    return await new Promise<number>((resolve, reject) => {
      let t0 = 0;
      const run = events.subscribe({
        next: () => {
          const step = optimizer.stepCount;
          if (step % 100 === 0) heldOutAccuracy(model, data.heldOut);
          if (step === WARM) t0 = performance.now();
          if (step === WARM + STEPS) {
            resolve(performance.now() - t0);
            run.unsubscribe();
          }
        },
        error: reject,
      });
      run.add(
        events
          .pipe(throttleTime(2000, asyncScheduler, { leading: true, trailing: true }))
          .subscribe(() => weightsToBytes(model)),
      );
    });
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * Milliseconds for steps WARM..WARM+STEPS of a fresh run in the playground,
 * by the worker's clock, and the page thread's own task time meanwhile (the
 * views it redraws compete with the training threads for the cores).
 */
async function chromiumRun(): Promise<{ ms: number; pageTaskMs: number }> {
  const page = await browser.newPage();
  const cdp = await browser.newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskMs = async (): Promise<number> =>
    1000 * ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN);
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error(`page console: ${m.text()}`));
  try {
    await page.goto(origin);
    await page.waitForSelector('#start:not([disabled])', { timeout: 180_000 }).catch(async (e: unknown) => {
      throw new Error(`the playground did not get ready: ${await page.locator('#status').textContent()}`, { cause: e });
    });
    const engine = await page.locator('#engine').textContent();
    if (!engine?.includes(`${THREADS} threads`)) throw new Error(`the page trains on: ${engine}`);
    await page.evaluate(
      ({ warm, last }) => {
        const w = window as unknown as { timing: Promise<number> };
        const step = document.querySelector<HTMLElement>('#step')!;
        // The worker's own end time of each step (data-ended-at), not when the page got to show it.
        w.timing = new Promise((resolve) => {
          let t0 = 0;
          new MutationObserver(() => {
            const n = Number(step.textContent);
            const ended = Number(step.dataset.endedAt);
            if (n >= warm && t0 === 0) t0 = ended;
            if (n >= last) resolve(ended - t0);
          }).observe(step, { attributeFilter: ['data-ended-at'] });
        });
        document.querySelector<HTMLButtonElement>('#start')!.click();
      },
      { warm: WARM, last: WARM + STEPS },
    );
    const before = await taskMs();
    const ms = await page.evaluate(() => (window as unknown as { timing: Promise<number> }).timing);
    const pageTaskMs = (await taskMs()) - before;
    await page.click('#stop');
    return { ms, pageTaskMs };
  } finally {
    await page.close();
  }
}

const results: { node: number; chromium: number; pageShare: number }[] = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first, so neither always runs on a warmer (or busier) machine.
    let node: number;
    let chrome: { ms: number; pageTaskMs: number };
    if (r % 2 === 0) {
      node = await nodeRun();
      chrome = await chromiumRun();
    } else {
      chrome = await chromiumRun();
      node = await nodeRun();
    }
    const last = {
      node: samplesPerSec(node),
      chromium: samplesPerSec(chrome.ms),
      pageShare: chrome.pageTaskMs / chrome.ms,
    };
    results.push(last);
    console.log(
      `round ${r + 1}: Node ${last.node.toFixed(0)} samples/s, Chromium ${last.chromium.toFixed(0)} samples/s, ` +
        `Chromium/Node ${(last.chromium / last.node).toFixed(3)}; the page's thread busy ${(100 * last.pageShare).toFixed(0)}% of the Chromium run`,
    );
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
const median = (xs: number[]): number => xs.sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
const node = median(results.map((r) => r.node));
const chrome = median(results.map((r) => r.chromium));
const ratio = median(results.map((r) => r.chromium / r.node));
console.log(
  `LeNet-5, batch ${SETTINGS.batchSize}, wasm ${THREADS} threads, steps ${WARM}-${WARM + STEPS}, median of ${ROUNDS} paired rounds: ` +
    `Node ${node.toFixed(0)} samples/s, Chromium ${chrome.toFixed(0)} samples/s, Chromium/Node ${ratio.toFixed(3)} ` +
    `(goal: within 25%, i.e. ≥ 0.75: ${ratio >= 0.75 ? 'met' : 'not met'})`,
);
process.exit(0);
