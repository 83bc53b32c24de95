#!/usr/bin/env node
import { EXIT, main } from './program/main.js';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(EXIT.interrupted);
  process.stderr.write('\ngradstream: stopping at the next batch boundary (Ctrl-C again to quit at once)\n');
  controller.abort();
});
// Exit explicitly: the wasm backend's worker threads would otherwise keep the process alive.
void main(process.argv.slice(2), { signal: controller.signal }).then((code) => process.exit(code));
