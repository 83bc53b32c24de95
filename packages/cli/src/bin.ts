#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// Before anything else is loaded (main is imported below, not statically): V8's heuristics
// favour size over speed from here on. Without it the young generation grows to its 2 × 16 MB
// maximum while Vega loads and draws the pictures after training, and to 2 × 8 MB during
// training, most of it empty: about 20 MB of the resident peak of `train --epochs 1` on MNIST.
// It changes when and how much the garbage collector reclaims, never what a program computes.
setFlagsFromString('--optimize-for-size');

const { EXIT, main } = await import('./program/main.js');

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(EXIT.interrupted);
  process.stderr.write('\ngradstream: stopping at the next batch boundary (Ctrl-C again to quit at once)\n');
  controller.abort();
});
// Exit explicitly: the wasm backend's worker threads would otherwise keep the process alive.
void main(process.argv.slice(2), { signal: controller.signal }).then((code) => process.exit(code));
