/**
 * End to end: builds the playground, serves it with and without COOP/COEP,
 * and drives it in headless Chromium (playwright-core, Debian's
 * /usr/bin/chromium or $CHROMIUM) as a person would: train, stop, resume,
 * draw digits, save weights and score them with `gradstream eval`.
 * .ci/run installs chromium when it is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { type PreviewServer, build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playgroundConfig } from '../config.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const root = fileURLToPath(new URL('../../..', import.meta.url));
const STEPS = 300;

let isolated: PreviewServer;
let plain: PreviewServer;
let context: BrowserContext;
let profile: string;
const problems: string[] = [];

const url = (s: PreviewServer, path = ''): string => `${s.resolvedUrls!.local[0]}${path}`;

/** A page whose console errors, uncaught exceptions, failed and foreign requests land in `problems`. */
async function open(server: PreviewServer, path = ''): Promise<Page> {
  const page = await context.newPage();
  const origin = new URL(url(server)).origin;
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol.startsWith('http') && u.origin !== origin)
      problems.push(`request left the page's server: ${r.url()}`);
  });
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(url(server, path));
  return page;
}

const text = (page: Page, selector: string): Promise<string> =>
  page
    .locator(selector)
    .textContent()
    .then((t) => t ?? '');
const step = async (page: Page): Promise<number> => Number(await text(page, '#step'));
const tensors = async (page: Page): Promise<number> => Number((await text(page, '#memory')).split(' ')[0]);
const percent = async (page: Page): Promise<number> => Number.parseFloat(await text(page, '#accuracy'));

async function waitForStep(page: Page, n: number, timeout = 240_000): Promise<void> {
  await page.waitForFunction((k) => Number(document.querySelector('#step')!.textContent) >= k, n, {
    timeout,
    polling: 50,
  });
}

/**
 * Clicks Stop from inside the page and waits until the worker has ended the
 * run (Start is enabled again). Returns how many steps the worker finished
 * after the click, by the end times of the steps (which may reach the page
 * after the click even when they ended before it).
 */
async function stopNow(page: Page): Promise<number> {
  await page.evaluate(() => {
    const shown = document.querySelector<HTMLElement>('#step')!;
    const w = window as unknown as { endedAfterStop: number[]; pressedAt: number; watching?: MutationObserver };
    const ended: number[] = [];
    w.endedAfterStop = ended;
    // One observer at a time: an earlier Stop's would count each step twice.
    w.watching?.disconnect();
    w.watching = new MutationObserver(() => ended.push(Number(shown.dataset.endedAt)));
    w.watching.observe(shown, { attributeFilter: ['data-ended-at'] });
    w.pressedAt = performance.timeOrigin + performance.now();
    document.querySelector<HTMLButtonElement>('#stop')!.click();
  });
  await page.waitForSelector('#start:not([disabled])', { timeout: 10_000 });
  return page.evaluate(() => {
    const w = window as unknown as { endedAfterStop: number[]; pressedAt: number };
    return w.endedAfterStop.filter((t) => t > w.pressedAt).length;
  });
}

/**
 * Stop ended the run at a batch boundary: the worker finished at most the
 * batch it was in when Stop was pressed, and no step follows once the page
 * says it stopped.
 */
async function expectHalted(page: Page, stepsAfterStop: number): Promise<void> {
  expect(stepsAfterStop).toBeLessThanOrEqual(1);
  const last = await step(page);
  await page.waitForTimeout(1000);
  expect(await step(page)).toBe(last);
}

/**
 * Starts timing the page's own thread: a 10 ms timer whose gaps between
 * firings show how long the page could not respond. Were training on this
 * thread, a typical gap would be a whole batch (tens of ms); in the worker
 * design it is the timer's own 10 ms. Returns a function that stops the
 * timer and resolves with the median and longest gap in ms.
 */
async function watchMainThread(page: Page): Promise<() => Promise<{ median: number; longest: number }>> {
  await page.evaluate(() => {
    const w = window as unknown as { gaps: number[]; timer: number };
    let last = performance.now();
    w.gaps = [];
    w.timer = window.setInterval(() => {
      const now = performance.now();
      w.gaps.push(now - last);
      last = now;
    }, 10);
  });
  return () =>
    page.evaluate(() => {
      const w = window as unknown as { gaps: number[]; timer: number };
      clearInterval(w.timer);
      const sorted = w.gaps.sort((a, b) => a - b);
      return { median: sorted[Math.floor(sorted.length / 2)]!, longest: sorted.at(-1)! };
    });
}

/** Draws strokes (lists of points in the 280×280 pad's coordinates) with the mouse. */
async function draw(page: Page, strokes: readonly (readonly [number, number])[][]): Promise<string> {
  await page.click('#clear');
  const box = (await page.locator('#pad').boundingBox())!;
  for (const stroke of strokes) {
    await page.mouse.move(box.x + stroke[0]![0], box.y + stroke[0]![1]);
    await page.mouse.down();
    for (const [x, y] of stroke.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 4 });
    await page.mouse.up();
  }
  return text(page, '#prediction');
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM`);
  await build({ ...playgroundConfig(), configFile: false, logLevel: 'warn' });
  isolated = await preview({ ...playgroundConfig({ port: 0 }), configFile: false, logLevel: 'warn' });
  plain = await preview({ ...playgroundConfig({ port: 0, isolated: false }), configFile: false, logLevel: 'warn' });
  profile = mkdtempSync(join(tmpdir(), 'gradstream-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await Promise.all([isolated?.close(), plain?.close()]);
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('backend check page: conv2d and its gradients on wasm match cpu', () => {
  for (const [name, server, threads] of [
    ['cross-origin isolated, 2 threads', () => isolated, 2],
    ['not isolated, 1 thread', () => plain, 1],
  ] as const) {
    it(name, async () => {
      const page = await open(server(), 'smoke.html');
      await page.waitForFunction(() => document.querySelector('#result')!.textContent!.startsWith('{'), undefined, {
        timeout: 60_000,
      });
      const r = JSON.parse(await text(page, '#result'));
      expect(r.error).toBeUndefined();
      expect(r.crossOriginIsolated).toBe(threads > 1);
      expect(r.threads).toBe(threads > 1 ? Math.min(4, r.hardwareConcurrency) : 1);
      expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-4 * Math.max(1, r.largestValue));
      await page.close();
      expect(problems).toEqual([]);
    });
  }
});

describe('the playground, cross-origin isolated', () => {
  let page: Page;
  const measured: Record<string, number> = {};

  it('loads with no console errors, isolated, on 2 wasm threads', async () => {
    const t0 = Date.now();
    page = await open(isolated);
    await page.waitForSelector('#start:not([disabled])', { timeout: 60_000 });
    measured.readyMs = Date.now() - t0;
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    expect(await text(page, '#engine')).toContain('Web Worker on the wasm backend, 2 threads (cross-origin isolated)');
    expect(problems).toEqual([]);
  });

  it(`trains ${STEPS} steps: the shown loss falls and held-out accuracy reaches 95%`, async () => {
    const t0 = Date.now();
    await page.click('#start');
    await waitForStep(page, 1);
    measured.firstStepMs = Date.now() - t0 + measured.readyMs!;
    await waitForStep(page, 20);
    const early = Number(await text(page, '#loss'));
    const longestGap = await watchMainThread(page);
    await waitForStep(page, STEPS);
    measured.samplesPerSec = Number(await text(page, '#speed'));
    const gaps = await longestGap();
    measured.medianGapMs = gaps.median;
    measured.longestGapMs = gaps.longest;
    // The live chart is laid out for its points, with a train line in each panel. It takes a point at
    // most four times a second, so a fast run can reach STEPS before it has ten: training goes on
    // until stopped, so wait for them rather than assume a step rate.
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('#curves svg path[aria-roledescription="line mark"]')).filter(
          (l) => (l.getAttribute('d')?.match(/[ML]/g) ?? []).length >= 10,
        ).length >= 2,
      undefined,
      { timeout: 30_000 },
    );
    const chart = await page.evaluate(() => {
      const svg = document.querySelector('#curves svg')!;
      const lines = Array.from(svg.querySelectorAll('path[aria-roledescription="line mark"]'));
      return {
        width: svg.getBoundingClientRect().width,
        vertices: lines.map((l) => (l.getAttribute('d')?.match(/[ML]/g) ?? []).length),
      };
    });
    expect(chart.width).toBeGreaterThan(2 * 320);
    expect(chart.vertices.filter((n) => n >= 10).length).toBeGreaterThanOrEqual(2);
    if (process.env.PLAYGROUND_SCREENSHOT)
      await page.screenshot({ path: process.env.PLAYGROUND_SCREENSHOT, fullPage: true });
    const afterStop = await stopNow(page);
    const late = Number(await text(page, '#loss'));
    expect(late).toBeLessThan(early * 0.5);
    expect(await percent(page)).toBeGreaterThanOrEqual(95);
    await expectHalted(page, afterStop);
    // The page's thread stayed free while the worker trained.
    expect(measured.medianGapMs).toBeLessThan(20);
    console.log(
      `playground: page ready ${measured.readyMs} ms after navigation, first step ${measured.firstStepMs} ms after navigation; ` +
        `loss ${early} -> ${late}; held-out accuracy ${await text(page, '#accuracy')}; ${measured.samplesPerSec} samples/s in Chromium (2 threads); ` +
        `page thread's 10 ms timer while training: median gap ${measured.medianGapMs!.toFixed(1)} ms, longest ${Math.round(measured.longestGapMs!)} ms`,
    );
  });

  it('Stop during a resumed run halts within one batch and frees what the run allocated', async () => {
    const before = await tensors(page);
    const from = await step(page);
    await page.click('#resume');
    await waitForStep(page, from + 30);
    await expectHalted(page, await stopNow(page));
    expect(await tensors(page)).toBe(before);
  });

  it('reads a drawn 1 and a drawn 0', async () => {
    const one = await draw(page, [
      [
        [150, 40],
        [148, 120],
        [146, 240],
      ],
    ]);
    const ring = Array.from({ length: 25 }, (_, k): [number, number] => [
      140 + 70 * Math.sin((2 * Math.PI * k) / 24),
      140 - 100 * Math.cos((2 * Math.PI * k) / 24),
    ]);
    const zero = await draw(page, [ring]);
    expect([one, zero]).toEqual(['1', '0']);
  });

  it('saves weights that `gradstream eval` scores the same on the same 1,000 images, and loads them back', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-file')]);
    const file = join(profile, 'lenet5-mnist.safetensors');
    await download.saveAs(file);
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), 'eval', '--weights', file, '--limit', '1000'],
      { cwd: root, encoding: 'utf8', env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.json') } },
    );
    const cli = Number.parseFloat(/test accuracy ([\d.]+)%/.exec(out)?.[1] ?? 'NaN');
    const shown = await percent(page);
    expect(cli).toBeCloseTo(shown, 1);
    // The file loads back: the page's copy and the worker's model both take it, and the worker scores it the same.
    await page.evaluate(() => {
      document.querySelector('#accuracy')!.textContent = '–';
    });
    await page.setInputFiles('#load-file', file);
    await page.waitForFunction(() => document.querySelector('#accuracy')!.textContent !== '–', undefined, {
      timeout: 30_000,
    });
    expect(await text(page, '#weights-status')).toBe('loaded lenet5-mnist.safetensors');
    expect(await percent(page)).toBe(shown);
    await page.close();
    expect(problems).toEqual([]);
  });
});

describe('the playground, not isolated', () => {
  it('trains on one thread and says so', async () => {
    const page = await open(plain);
    await page.waitForSelector('#start:not([disabled])', { timeout: 60_000 });
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
    expect(await text(page, '#engine')).toContain('wasm backend, 1 thread (not cross-origin isolated');
    await page.click('#start');
    await waitForStep(page, 20);
    const early = Number(await text(page, '#loss'));
    await waitForStep(page, 100);
    await stopNow(page);
    expect(Number(await text(page, '#loss'))).toBeLessThan(early);
    await page.close();
    expect(problems).toEqual([]);
  });
});
