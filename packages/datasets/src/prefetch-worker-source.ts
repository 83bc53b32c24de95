import { RAW } from './run-length.js';

/** Word of the control array the consumer sets to stop the worker. */
export const STOP = 0;
/** Word of slot s is SLOT_STATE + s: EMPTY, FULL or FAILED. */
export const SLOT_STATE = 1;
export const EMPTY = 0;
export const FULL = 1;

/**
 * Source of the prefetch worker, kept as a string so it runs through `eval`
 * without a separate bundled entry file (the wasm backend's workers do the
 * same). It receives one epoch's plan, then fills batch b into slot b mod
 * slots: the bytes of each sample (raw, or decoded from runs exactly as
 * RunLengthImages.read does), mapped to floats through the loader's table,
 * and the labels. It blocks on a slot until the consumer has emptied it,
 * posts `{ filled: b }` after each batch and `{ error }` if the data is
 * inconsistent, then stops.
 */
export const prefetchWorkerSource = `
'use strict';
const { parentPort } = require('node:worker_threads');
parentPort.once('message', (p) => {
  const { pixels, starts, labels, per, first, length, table, plane, order, batchSize, batches, ctrl, xs, ys } = p;
  const slots = xs.length;
  const channels = table.length / 256;
  const bytes = new Uint8Array(batchSize * per);
  const decode = (image, at) => {
    if (!starts) {
      if ((image + 1) * per > pixels.length) throw new RangeError('image ' + image + ' lies past the ' + pixels.length + ' stored bytes');
      bytes.set(pixels.subarray(image * per, (image + 1) * per), at);
      return;
    }
    let q = starts[image];
    const end = starts[image + 1];
    if (!(q < end) || end > pixels.length) throw new RangeError('image ' + image + ' has no stored bytes (runs ' + q + ' to ' + end + ' of ' + pixels.length + ')');
    if (pixels[q++] === ${RAW}) {
      if (q + per > end) throw new RangeError('raw image ' + image + ' is cut short');
      bytes.set(pixels.subarray(q, q + per), at);
      return;
    }
    const stop = at + per;
    for (let o = at; o < stop; ) {
      if (q + 2 > end) throw new RangeError('runs of image ' + image + ' end after ' + (o - at) + ' of ' + per + ' pixels');
      const zeros = pixels[q];
      const literals = pixels[q + 1];
      q += 2;
      if (o + zeros + literals > stop || q + literals > end) throw new RangeError('runs of image ' + image + ' overrun it');
      for (const z = o + zeros; o < z; o++) bytes[o] = 0;
      for (const l = o + literals; o < l; o++, q++) bytes[o] = pixels[q];
    }
  };
  let b = 0;
  try {
    for (; b < batches; b++) {
      const s = b % slots;
      while (Atomics.load(ctrl, ${SLOT_STATE} + s) !== ${EMPTY} && Atomics.load(ctrl, ${STOP}) === 0)
        Atomics.wait(ctrl, ${SLOT_STATE} + s, ${FULL});
      if (Atomics.load(ctrl, ${STOP}) !== 0) break;
      const lo = b * batchSize;
      const n = Math.min(batchSize, order.length - lo);
      const y = ys[s];
      for (let k = 0; k < n; k++) {
        const i = order[lo + k];
        if (!(i < length)) throw new RangeError('sample ' + i + ' out of range [0, ' + length + ')');
        decode(first + i, k * per);
        y[k] = labels[first + i];
      }
      const x = xs[s];
      for (let start = 0, ch = 0; start < n * per; start += plane, ch = (ch + 1) % channels) {
        const base = ch * 256;
        for (let q = start; q < start + plane; q++) x[q] = table[base + bytes[q]];
      }
      Atomics.store(ctrl, ${SLOT_STATE} + s, ${FULL});
      parentPort.postMessage({ filled: b });
    }
  } catch (e) {
    parentPort.postMessage({ error: 'batch ' + b + ': ' + (e && e.message ? e.message : String(e)) });
  }
  parentPort.close();
});
`;
