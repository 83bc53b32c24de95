import {
  ARGS,
  CLAIM,
  DONE,
  FAILED,
  FN,
  MAX_ARGS,
  MIN_SPIN_MS,
  POLL,
  PREEMPTED_MS,
  READY,
  SEQ,
  SPIN_MS,
  claimJob,
  waitPolling,
} from './control-block.js';

/**
 * Source of a kernel worker, kept as a string so it runs from a Blob URL in
 * browsers and through `eval` in Node without a separate bundled entry file.
 * The worker instantiates the shared module once, then sleeps on its control
 * block until the main thread posts a job (see control-block.ts).
 */
export const workerSource = `
'use strict';
const nodePort = typeof require === 'function' ? require('node:worker_threads').parentPort : null;
const listen = (handler) => nodePort ? nodePort.once('message', handler) : (self.onmessage = (e) => handler(e.data));
listen(async ({ module, memory, names, block }) => {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const fns = names.map((n) => instance.exports[n]);
  // The control block sits below every tensor, so views made now stay valid after growth.
  const i32 = new Int32Array(memory.buffer, block, ${ARGS});
  const f64 = new Float64Array(memory.buffer, block + ${ARGS * 4});
  Atomics.store(i32, ${READY}, 1);
  Atomics.notify(i32, ${READY});
  let seen = Atomics.load(i32, ${SEQ});
  const waitPolling = ${waitPolling.toString()};
  const claimJob = ${claimJob.toString()};
  const budget = { ms: ${SPIN_MS} };
  const idle = () => Atomics.load(i32, ${SEQ}) === seen;
  const sleep = () => Atomics.wait(i32, ${SEQ}, seen);
  for (;;) {
    // Poll before sleeping (see waitPolling in control-block.ts).
    const poll = Atomics.load(i32, ${POLL}) === 1 ? budget : undefined;
    waitPolling(idle, sleep, poll, ${SPIN_MS}, ${MIN_SPIN_MS}, ${PREEMPTED_MS});
    seen = Atomics.load(i32, ${SEQ});
    // A job the calling thread claimed first is done or under way there: only report it seen.
    if (claimJob(i32, ${CLAIM}, seen)) {
      const fn = i32[${FN}];
      if (fn < 0) break;
      try {
        // Every slot is passed (a WebAssembly export ignores arguments past its own), so a job
        // allocates no argument array: the worker's young generation stays still between jobs.
        fns[fn](${Array.from({ length: MAX_ARGS }, (_, i) => `f64[${i}]`).join(', ')});
        i32[${FAILED}] = 0;
      } catch (e) {
        i32[${FAILED}] = 1;
      }
    }
    Atomics.store(i32, ${DONE}, seen);
    Atomics.notify(i32, ${DONE});
  }
  if (nodePort) nodePort.close(); else self.close();
});
`;
