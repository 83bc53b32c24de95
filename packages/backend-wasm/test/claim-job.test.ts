// The thread pool's job claim (control-block.ts): a job the calling thread
// finds unstarted runs there instead, so exactly one thread must win each
// job, and a worker that read a job's counter late must back off once the
// caller has claimed it and posted the next. Checked under real concurrency:
// a worker thread races the test's thread for every job of a long run.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { claimJob } from '../src/runtime/control-block.js';

/** Words of the shared array: the claim word, the posted job, the worker's exit flag, then one win count per job. */
const [CLAIM_AT, POSTED, STOP, WINS] = [0, 1, 2, 3];
const JOBS = 20_000;

const racer = `
const { workerData } = require('node:worker_threads');
const claimJob = ${claimJob.toString()};
const i32 = new Int32Array(workerData);
let seen = 0;
while (Atomics.load(i32, ${STOP}) === 0) {
  const seq = Atomics.load(i32, ${POSTED});
  if (seq === seen) continue;
  seen = seq;
  if (claimJob(i32, ${CLAIM_AT}, seq)) Atomics.add(i32, ${WINS} + seq, 1);
}
`;

describe('claimJob', () => {
  it('gives each job to exactly one of two racing threads, whoever claims first', async () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4 * (WINS + JOBS + 1)));
    const worker = new Worker(racer, { eval: true, workerData: i32.buffer });
    await new Promise<void>((resolve) => worker.once('online', () => resolve()));
    let mine = 0;
    for (let seq = 1; seq <= JOBS; seq++) {
      Atomics.store(i32, POSTED, seq);
      // Give the worker a varying head start, so both sides win some jobs.
      for (let spin = 0; spin < (seq * 7919) % 200; spin++) Atomics.load(i32, POSTED);
      if (claimJob(i32, CLAIM_AT, seq)) {
        Atomics.add(i32, WINS + seq, 1);
        mine++;
      } else while (Atomics.load(i32, WINS + seq) === 0); // the worker won: wait for it to record it
    }
    Atomics.store(i32, STOP, 1);
    await worker.terminate();
    const wins = Array.from(i32.subarray(WINS + 1, WINS + JOBS + 1));
    expect(wins.filter((w) => w !== 1)).toEqual([]);
    expect(mine).toBeGreaterThan(0);
    expect(mine).toBeLessThan(JOBS);
  });

  it('refuses a job at or before the last one claimed', () => {
    const i32 = new Int32Array(1);
    expect(claimJob(i32, 0, 3)).toBe(true);
    expect(claimJob(i32, 0, 3)).toBe(false);
    expect(claimJob(i32, 0, 2)).toBe(false);
    expect(claimJob(i32, 0, 4)).toBe(true);
  });
});
