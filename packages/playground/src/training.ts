import { tensor, tidy } from '@gradstream/core';
import { accuracy } from '@gradstream/core/nn';
import { type Optimizer, adam, rmsprop, sgd } from '@gradstream/core/optim';
import { type BatchEndEvent, fit, predict } from '@gradstream/core/train';
import { DataLoader, type Dataset } from '@gradstream/datasets';
import type { LeNet5 } from '@gradstream/models';
import { type Observable, filter, share } from 'rxjs';
import { type MnistData, standardize } from './data.js';

/** What the page lets a person choose before Start or Resume. */
export interface TrainSettings {
  readonly batchSize: number;
  readonly lr: number;
  readonly optimizer: 'adam' | 'sgd' | 'rmsprop';
}

/** The optimizer chosen in the page, over all of the model's parameters. */
export function makeOptimizer(model: LeNet5, s: TrainSettings): Optimizer {
  const params = model.parameters();
  if (s.optimizer === 'sgd') return sgd(params, { lr: s.lr, momentum: 0.9 });
  if (s.optimizer === 'rmsprop') return rmsprop(params, { lr: s.lr });
  return adam(params, { lr: s.lr });
}

/**
 * The batch events of one training run over `train`: a cold Observable, so
 * subscribing starts (or, on a model already trained, resumes) training and
 * unsubscribing stops it at the next batch boundary. Shared, so the page's
 * several views ride on one run.
 */
export function batches(
  model: LeNet5,
  optimizer: Optimizer,
  train: Dataset,
  s: TrainSettings,
): Observable<BatchEndEvent> {
  optimizer.lr = s.lr;
  // Seeded by the steps so far, so a resumed run does not replay the first run's order.
  const loader = new DataLoader(train, {
    batchSize: s.batchSize,
    shuffle: true,
    seed: optimizer.stepCount,
    transform: standardize,
  });
  return fit(model, { train: loader, epochs: 1000, optimizer }).pipe(
    filter((e): e is BatchEndEvent => e.type === 'batchEnd'),
    share(),
  );
}

/** Accuracy of `model` on the held-out images (eval mode, no gradients, nothing kept). */
export function heldOutAccuracy(model: LeNet5, { x, y }: MnistData['heldOut']): number {
  // Tensors made here, on whichever backend the model was built on.
  return tidy(() => accuracy(predict(model, tensor(x, [y.length, 1, 28, 28])), tensor(y, [y.length], 'int32')));
}
