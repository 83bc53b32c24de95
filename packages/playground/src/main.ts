/**
 * The playground: LeNet-5 trained on MNIST in the page. Each piece lives in
 * its own file; this one wires them to the page's controls.
 */
import { memory } from '@gradstream/core';
import type { Optimizer } from '@gradstream/core/optim';
import { type LeNet5, lenet5 } from '@gradstream/models';
import { type Subscription, asyncScheduler, filter, scan, share, take, throttleTime } from 'rxjs';
import { type Engine, describeEngine, useEngine } from './backend.js';
import { Curves } from './charts.js';
import { type MnistData, loadMnist } from './data.js';
import { drawingPad } from './draw.js';
import { renderLayers } from './layers.js';
import { type TrainSettings, batches, heldOutAccuracy, makeOptimizer } from './training.js';
import { weightsButtons } from './weights.js';
import { trainXo } from './xo.js';

const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;
const form = $<HTMLFormElement>('#settings');
const buttons = {
  start: $<HTMLButtonElement>('#start'),
  stop: $<HTMLButtonElement>('#stop'),
  resume: $<HTMLButtonElement>('#resume'),
};
function status(text: string): void {
  $('#status').textContent = text;
}
const curves = new Curves($('#curves'));

let engine: Engine;
let data: MnistData;
let model: LeNet5 | undefined;
let optimizer: Optimizer | undefined;
/** The subscription to the running fit(); undefined while stopped. */
let run: Subscription | undefined;

function settings(): TrainSettings & { backend: Engine['backend']; threads: number } {
  const f = new FormData(form);
  return {
    batchSize: Number(f.get('batchSize')),
    lr: Number(f.get('lr')),
    optimizer: f.get('optimizer') as TrainSettings['optimizer'],
    backend: f.get('backend') as Engine['backend'],
    threads: Number(f.get('threads') ?? 1),
  };
}

function showEngine(e: Engine): void {
  engine = e;
  $('#engine').textContent = `Training on the ${describeEngine(e)}.`;
  const threads = form.elements.namedItem('threads') as HTMLInputElement;
  threads.disabled = !e.isolated;
  if (!e.isolated) threads.value = '1';
}

function showMemory(): void {
  const m = memory();
  $('#memory').textContent = `${m.numTensors} (${(m.numBytes / 2 ** 20).toFixed(2)} MB)`;
}

function showAccuracy(): number | undefined {
  if (!model) return undefined;
  const acc = heldOutAccuracy(model, data.heldOut);
  $('#accuracy').textContent = `${(acc * 100).toFixed(1)}%`;
  return acc;
}

function showLayers(): void {
  if (model)
    renderLayers($('#network'), $('#filters'), model, data.test, Number($<HTMLInputElement>('#image-index').value));
}

function setRunning(running: boolean): void {
  buttons.start.disabled = running;
  buttons.stop.disabled = !running;
  buttons.resume.disabled = running || !model;
  for (const id of ['#save-file', '#save-browser', '#load-browser', '#load-file'])
    $<HTMLButtonElement>(id).disabled = running;
}

/** A new model and optimizer on the chosen backend (the old ones freed), untrained. */
async function freshModel(s: ReturnType<typeof settings>): Promise<LeNet5> {
  optimizer?.dispose();
  model?.dispose();
  showEngine(await useEngine(s.backend, s.threads));
  model = lenet5({ seed: 0 });
  optimizer = makeOptimizer(model, s);
  return model;
}

const ema = (previous: number | undefined, value: number): number =>
  previous === undefined ? value : 0.95 * previous + 0.05 * value;

/** Subscribes to fit(): training runs until the subscription ends (Stop). */
function subscribe(s: TrainSettings): void {
  const m = model!;
  const opt = optimizer!;
  const events = batches(m, opt, data.train, s);
  // Smoothed loss and accuracy per step; RxJS operators thin them for the views, nothing is buffered.
  const progress = events.pipe(
    scan(
      (acc, e) => ({
        step: opt.stepCount,
        loss: ema(acc.loss, e.loss),
        accuracy: ema(acc.accuracy, e.metrics.accuracy ?? 0),
        samplesPerSec: e.samplesPerSec,
      }),
      { step: 0, loss: undefined as number | undefined, accuracy: undefined as number | undefined, samplesPerSec: 0 },
    ),
    share(),
  );
  const started = performance.now();
  run = progress.subscribe({
    next: (p) => {
      $('#step').textContent = String(p.step);
      $('#loss').textContent = p.loss!.toFixed(4);
      $('#speed').textContent = p.samplesPerSec.toFixed(0);
      showMemory();
    },
    error: (e: unknown) => {
      status(`training stopped: ${(e as Error).message}`);
      stop();
    },
  });
  run.add(
    progress
      .pipe(take(1))
      .subscribe(() => status(`first step ${Math.round(performance.now() - started)} ms after Start`)),
  );
  run.add(
    progress.pipe(throttleTime(250, asyncScheduler, { leading: true, trailing: true })).subscribe((p) =>
      curves.add([
        { x: p.step, metric: 'loss', split: 'train', value: p.loss! },
        { x: p.step, metric: 'accuracy', split: 'train', value: p.accuracy! },
      ]),
    ),
  );
  run.add(
    progress.pipe(filter((p) => p.step % 100 === 0)).subscribe((p) => {
      curves.add([{ x: p.step, metric: 'accuracy', split: 'test', value: showAccuracy()! }]);
    }),
  );
  run.add(progress.pipe(throttleTime(1000, asyncScheduler, { leading: true, trailing: true })).subscribe(showLayers));
  setRunning(true);
}

function stop(): void {
  run?.unsubscribe();
  run = undefined;
  setRunning(false);
  if (!model) return;
  const acc = showAccuracy()!;
  curves.add([{ x: optimizer!.stepCount, metric: 'accuracy', split: 'test', value: acc }]);
  showLayers();
  pad.classify();
  showMemory();
}

buttons.start.addEventListener('click', async () => {
  stop();
  const s = settings();
  await freshModel(s);
  curves.clear();
  $('#step').textContent = '0';
  subscribe(s);
});
buttons.stop.addEventListener('click', stop);
buttons.resume.addEventListener('click', async () => {
  const s = settings();
  // The model stays on its backend; only the thread count can change between runs.
  if (engine.backend === 'wasm') showEngine(await useEngine('wasm', s.threads));
  subscribe(s);
});

$('#image-index').addEventListener('change', showLayers);
$('#next-image').addEventListener('click', () => {
  const input = $<HTMLInputElement>('#image-index');
  input.value = String((Number(input.value) + 1) % 1000);
  showLayers();
});

const pad = drawingPad($<HTMLCanvasElement>('#pad'), $('#draw'), () => model);

weightsButtons(
  $('#weights'),
  // Loading weights before any training needs a model to load them into.
  async () => model ?? (await freshModel(settings())),
  () => {
    showAccuracy();
    showLayers();
    pad.classify();
  },
);

$('#xo-train').addEventListener('click', async () => {
  const button = $<HTMLButtonElement>('#xo-train');
  button.disabled = true;
  $('#xo-result').textContent = 'training…';
  const r = await trainXo($('#xo-view'));
  $('#xo-result').textContent = `test accuracy ${(r.accuracy * 100).toFixed(1)}% after ${r.seconds.toFixed(1)} s`;
  button.disabled = false;
});

async function boot(): Promise<void> {
  const threads = form.elements.namedItem('threads') as HTMLInputElement;
  threads.value = String(Math.min(4, navigator.hardwareConcurrency || 1));
  showEngine(await useEngine('wasm', Number(threads.value)));
  data = await loadMnist(new URL('data/mnist/', document.baseURI).href);
  status(
    `MNIST loaded (${data.train.length.toLocaleString('en')} training images) ${(performance.now() / 1000).toFixed(1)} s after page load; press Start`,
  );
  buttons.start.disabled = false;
  $<HTMLButtonElement>('#xo-train').disabled = false;
  $<HTMLButtonElement>('#load-file').disabled = false;
  $<HTMLButtonElement>('#load-browser').disabled = false;
  showMemory();
}

boot().catch((e: unknown) => status(`could not start: ${(e as Error).message}`));
