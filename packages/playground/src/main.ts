/**
 * The playground: LeNet-5 trained on MNIST in a Web Worker (train-worker.ts),
 * shown live in the page. Each piece lives in its own file; this one wires
 * them to the page's controls and to the worker's messages.
 */
import { type Dataset, fromArrays } from '@gradstream/datasets';
import { type LeNet5, lenet5, loadWeights, weightsToBytes } from '@gradstream/models';
import { asyncScheduler, filter, fromEvent, map, share, take, throttleTime } from 'rxjs';
import { type Engine, describeEngine, useEngine } from './backend.js';
import { Curves } from './charts.js';
import { drawingPad } from './draw.js';
import { renderLayers } from './layers.js';
import type { FromWorker, RunSettings, ToWorker, WorkerMemory } from './protocol.js';
import type { TrainSettings } from './training.js';
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

const worker = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(message, { transfer });
const messages = fromEvent<MessageEvent<FromWorker>>(worker, 'message').pipe(
  map((e) => e.data),
  share(),
);
/** Stop as shared memory too where the page has it (see ToWorker's init). */
const stopFlag = globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
const on = <T extends FromWorker['type']>(type: T) =>
  messages.pipe(filter((m): m is Extract<FromWorker, { type: T }> => m.type === type));

let test: Dataset;
/** The page's copy of the worker's model, kept up to date from its weights, for the layer view and the drawing pad. */
let copy: LeNet5;
/** Whether the worker has a model to resume (trained or loaded). */
let hasModel = false;
let running = false;

function settings(): RunSettings {
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
  $('#engine').textContent = `Training in a Web Worker on the ${describeEngine(e)}.`;
  const threads = form.elements.namedItem('threads') as HTMLInputElement;
  threads.disabled = !e.isolated;
  if (!e.isolated) threads.value = '1';
}

function showMemory(m: WorkerMemory): void {
  $('#memory').textContent = `${m.numTensors} (${(m.numBytes / 2 ** 20).toFixed(2)} MB)`;
}

function showLayers(): void {
  if (hasModel)
    renderLayers($('#network'), $('#filters'), copy, test, Number($<HTMLInputElement>('#image-index').value));
}

function setRunning(active: boolean): void {
  running = active;
  buttons.start.disabled = active;
  buttons.stop.disabled = !active;
  buttons.resume.disabled = active || !hasModel;
  for (const id of ['#save-file', '#save-browser', '#load-browser', '#load-file'])
    $<HTMLButtonElement>(id).disabled = active;
}

let started = 0;
function begin(type: 'start' | 'resume'): void {
  started = performance.now();
  hasModel = true;
  setRunning(true);
  if (stopFlag) Atomics.store(stopFlag, 0, 0);
  on('step')
    .pipe(take(1))
    .subscribe(() => status(`first step ${Math.round(performance.now() - started)} ms after ${type}`));
  send({ type, settings: settings() });
}

on('engine').subscribe((m) => showEngine(m.engine));
// When the worker finished each step (an attribute, so nothing is repainted): lets a test tell the steps after Stop from those before.
on('step').subscribe((p) => {
  $('#step').dataset.endedAt = String(p.endedAt);
});
// The numbers are redrawn ten times a second at most: every step would repaint the page tens of times a second.
on('step')
  .pipe(throttleTime(100, asyncScheduler, { leading: true, trailing: true }))
  .subscribe((p) => {
    $('#step').textContent = String(p.step);
    $('#loss').textContent = p.loss.toFixed(4);
    $('#speed').textContent = p.samplesPerSec.toFixed(0);
    showMemory(p.memory);
  });
// The curves are redrawn at most four times a second, whatever the step rate; nothing is buffered.
on('step')
  .pipe(throttleTime(250, asyncScheduler, { leading: true, trailing: true }))
  .subscribe((p) =>
    curves.add([
      { x: p.step, metric: 'loss', split: 'train', value: p.loss },
      { x: p.step, metric: 'accuracy', split: 'train', value: p.accuracy },
    ]),
  );
on('heldOut').subscribe((m) => {
  $('#accuracy').textContent = `${(m.accuracy * 100).toFixed(1)}%`;
  curves.add([{ x: m.step, metric: 'accuracy', split: 'test', value: m.accuracy }]);
});
on('weights').subscribe((m) => {
  loadWeights(copy, m.weights);
  showLayers();
});
on('stopped').subscribe((m) => {
  $('#step').textContent = String(m.step);
  showMemory(m.memory);
  setRunning(false);
  pad.classify();
});
on('failed').subscribe((m) => {
  status(m.message);
  if (running) setRunning(false);
});
worker.addEventListener('error', (e) => status(`the training worker failed: ${e.message}`));

buttons.start.addEventListener('click', () => {
  curves.clear();
  $('#step').textContent = '0';
  begin('start');
});
buttons.stop.addEventListener('click', () => {
  if (stopFlag) Atomics.store(stopFlag, 0, 1);
  send({ type: 'stop' });
});
buttons.resume.addEventListener('click', () => begin('resume'));

$('#image-index').addEventListener('change', showLayers);
$('#next-image').addEventListener('click', () => {
  const input = $<HTMLInputElement>('#image-index');
  input.value = String((Number(input.value) + 1) % 1000);
  showLayers();
});

const pad = drawingPad($<HTMLCanvasElement>('#pad'), $('#draw'), () => (hasModel ? copy : undefined));

weightsButtons(
  $('#weights'),
  async () => copy,
  () => {
    // The worker trains on from the loaded weights and scores them.
    const weights = weightsToBytes(copy);
    send({ type: 'load', settings: settings(), weights }, [weights.buffer]);
    hasModel = true;
    setRunning(false);
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
  const mnistUrl = new URL('data/mnist/', document.baseURI).href;
  const ready = new Promise<Extract<FromWorker, { type: 'ready' }>>((resolve) => on('ready').subscribe(resolve));
  send({ type: 'init', mnistUrl, threads: Number(threads.value), ...(stopFlag && { stopFlag }) });
  // The page's own work (its model copy, X vs O, the pad) runs on one thread: it must never block.
  await useEngine('wasm', 1);
  copy = lenet5({ seed: 0 });
  const worker = await ready;
  const { images, labels, classes } = worker.shown;
  test = fromArrays(images, labels, { imageShape: [1, 28, 28], classes, name: 'MNIST test' });
  showEngine(worker.engine);
  showMemory(worker.memory);
  status(
    `MNIST loaded (${worker.trainImages.toLocaleString('en')} training images) ${(performance.now() / 1000).toFixed(1)} s after page load; press Start`,
  );
  buttons.start.disabled = false;
  $<HTMLButtonElement>('#xo-train').disabled = false;
  $<HTMLButtonElement>('#load-file').disabled = false;
  $<HTMLButtonElement>('#load-browser').disabled = false;
}

boot().catch((e: unknown) => status(`could not start: ${(e as Error).message}`));
