/**
 * The training worker: LeNet-5, its optimizer and MNIST's training split
 * live here, so fit() and its kernels (which block while the wasm threads
 * work) keep off the page's thread. Start / Stop / Resume arrive as messages
 * and map to subscribing to and unsubscribing from fit(); each batch is
 * posted back as one small message.
 */
import { memory } from '@gradstream/core';
import type { Optimizer } from '@gradstream/core/optim';
import type { Dataset } from '@gradstream/datasets';
import { type LeNet5, lenet5, loadWeights, weightsToBytes } from '@gradstream/models';
import { type Subscription, asyncScheduler, filter, scan, share, takeWhile, throttleTime } from 'rxjs';
import { type Engine, useEngine } from './backend.js';
import { HELD_OUT, type MnistData, loadMnist } from './data.js';
import type { FromWorker, RunSettings, TestImages, ToWorker, WorkerMemory } from './protocol.js';
import { batches, heldOutAccuracy, makeOptimizer } from './training.js';

let data: MnistData | undefined;
let engine: Engine | undefined;
let model: LeNet5 | undefined;
let optimizer: Optimizer | undefined;
/** The subscription to the running fit(); undefined while stopped. */
let run: Subscription | undefined;
/** Set to 1 by the page on Stop (isolated pages only; others send the stop message alone). */
let stopFlag: Int32Array | undefined;
const stopPressed = (): boolean => stopFlag !== undefined && Atomics.load(stopFlag, 0) === 1;

const post = (message: FromWorker, transfer: Transferable[] = []): void => self.postMessage(message, { transfer });

function liveMemory(): WorkerMemory {
  const { numTensors, numBytes } = memory();
  return { numTensors, numBytes };
}

/** A new, untrained model and optimizer on the chosen backend (the old ones freed). */
async function freshModel(s: RunSettings): Promise<LeNet5> {
  optimizer?.dispose();
  model?.dispose();
  engine = await useEngine(s.backend, s.threads);
  post({ type: 'engine', engine });
  model = lenet5({ seed: 0 });
  optimizer = makeOptimizer(model, s);
  return model;
}

function postHeldOut(): void {
  post({ type: 'heldOut', step: optimizer!.stepCount, accuracy: heldOutAccuracy(model!, data!.heldOut) });
}

function postWeights(): void {
  const weights = weightsToBytes(model!);
  post({ type: 'weights', step: optimizer!.stepCount, weights }, [weights.buffer]);
}

/** The held-out images as the page shows them (not standardized). */
function shownImages(test: Dataset): TestImages {
  const images = new Float32Array(HELD_OUT * 784);
  const labels = new Int32Array(HELD_OUT);
  for (let i = 0; i < HELD_OUT; i++) {
    const s = test.get(i);
    images.set(s.image, i * 784);
    labels[i] = s.label;
  }
  return { images, labels, classes: test.classes };
}

const ema = (previous: number | undefined, value: number): number =>
  previous === undefined ? value : 0.95 * previous + 0.05 * value;

/** Subscribes to fit(): training runs until the subscription ends (Stop). */
function subscribe(s: RunSettings): void {
  const opt = optimizer!;
  // Smoothed loss and accuracy per step; RxJS operators thin what else is sent, nothing is buffered.
  const progress = batches(model!, opt, data!.train, s).pipe(
    // The batch that ends after Stop is kept; fit() is unsubscribed before the next one starts.
    takeWhile(() => !stopPressed(), true),
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
  run = progress.subscribe({
    next: (p) =>
      post({
        type: 'step',
        ...p,
        loss: p.loss!,
        accuracy: p.accuracy!,
        memory: liveMemory(),
        endedAt: performance.timeOrigin + performance.now(),
      }),
    error: (e: unknown) => {
      post({ type: 'failed', message: `training stopped: ${(e as Error).message}` });
      stop();
    },
    complete: stop,
  });
  run.add(progress.pipe(filter((p) => p.step % 100 === 0)).subscribe(postHeldOut));
  // The page's copy of the model, for its layer view and drawing pad: every 2 s, as redrawing that view
  // takes a good part of a core on a small machine, which the training threads would miss.
  run.add(progress.pipe(throttleTime(2000, asyncScheduler, { leading: true, trailing: true })).subscribe(postWeights));
}

/** Ends the run at the batch boundary and sends the page the model as it stands. */
function stop(): void {
  if (!run) return;
  run.unsubscribe();
  run = undefined;
  postHeldOut();
  postWeights();
  post({ type: 'stopped', step: optimizer!.stepCount, memory: liveMemory() });
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'init': {
      stopFlag = m.stopFlag;
      engine = await useEngine('wasm', m.threads);
      data = await loadMnist(m.mnistUrl);
      const shown = shownImages(data.test);
      post({ type: 'ready', engine, trainImages: data.train.length, memory: liveMemory(), shown }, [
        shown.images.buffer,
        shown.labels.buffer,
      ]);
      return;
    }
    case 'start':
      stop();
      await freshModel(m.settings);
      subscribe(m.settings);
      return;
    case 'resume':
      if (run || !model) return;
      // The model stays on its backend; only the thread count can change between runs.
      if (engine?.backend === 'wasm') {
        engine = await useEngine('wasm', m.settings.threads);
        post({ type: 'engine', engine });
      }
      subscribe(m.settings);
      return;
    case 'stop':
      stop();
      return;
    case 'load':
      stop();
      loadWeights(model ?? (await freshModel(m.settings)), m.weights);
      postHeldOut();
      return;
  }
}

self.addEventListener('message', (e: MessageEvent<ToWorker>) => {
  handle(e.data).catch((error: unknown) => post({ type: 'failed', message: (error as Error).message }));
});
