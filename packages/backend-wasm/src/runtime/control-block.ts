// Layout of one worker's control block in shared linear memory. The main
// thread writes a job (function index and arguments) and bumps SEQ; the
// worker claims it (CLAIM), runs it and copies SEQ into DONE. All offsets are in 32-bit words
// from the block start; arguments are float64 so i32 and f32 values both fit.

/** Job counter written by the main thread. */
export const SEQ = 0;
/** Last job counter the worker finished. */
export const DONE = 1;
/** Index of the kernel export to call; −1 tells the worker to exit. */
export const FN = 2;
/* Word 3 is unused: the worker passes every argument slot (see worker-source.ts). */
/** 1 once the worker has instantiated the module. */
export const READY = 4;
/** 1 when the last job threw. */
export const FAILED = 5;
/** 1 when the worker may poll before sleeping (no more threads than cores; see SPIN_MS). */
export const POLL = 6;
/**
 * The last job counter claimed, by the worker or by the calling thread: the
 * one that moves it there with compareExchange runs the job, so a job the
 * worker has not started when the caller is done with its own share runs on
 * the caller instead of waiting for the worker to wake.
 */
export const CLAIM = 7;
/** First argument, in float64 slots (word offset, 8-byte aligned). */
export const ARGS = 8;
/** Maximum arguments per job. */
export const MAX_ARGS = 28;
/** Bytes per control block. */
export const BLOCK_BYTES = (ARGS + 2 * MAX_ARGS) * 4;

/**
 * The longest an idle worker polls SEQ before it sleeps on it, and the
 * calling thread a worker's DONE: a futex wake costs more than most kernels
 * of a small network, while the JavaScript between two kernels takes tens
 * of microseconds. Only when the pool has no more threads than the machine
 * has cores (as libgomp does): an oversubscribed poller takes time from the
 * thread it waits for.
 */
export const SPIN_MS = 0.5;
/** The shortest poll: short enough to cost nothing on a loaded machine. */
export const MIN_SPIN_MS = 0.02;
/** A gap this long between two polls means the polling thread lost its core. */
export const PREEMPTED_MS = 0.1;

/**
 * Waits while `waiting()` holds: polls first, for up to `budget.ms` and only
 * while this thread keeps its core, then calls `sleep()` (an Atomics.wait)
 * until the wait ends. Then adapts the budget to the whole wait, polling and
 * sleeping together: a wait the longest poll would have covered doubles it,
 * up to `spinMs`; a longer one (the other thread was busy elsewhere or
 * descheduled, as when other jobs hold the cores) quarters it, down to
 * `minMs`. Judged on the whole wait, not the poll alone, so a short poll that
 * just missed grows again. Without a budget it only sleeps. Self-contained:
 * the worker source embeds it as text.
 */
export function waitPolling(
  waiting: () => boolean,
  sleep: () => void,
  budget: { ms: number } | undefined,
  spinMs: number,
  minMs: number,
  preemptedMs: number,
): void {
  if (!budget) {
    while (waiting()) sleep();
    return;
  }
  const start = performance.now();
  const until = start + budget.ms;
  // Each performance.now() call allocates a heap number: read on every poll, it made a polling worker
  // collect its young generation every ~25 ms (a scavenge wakes V8's helper threads, which then take a
  // core from the thread being waited for). Read once per 1024 polls instead, every few microseconds.
  for (let last = start, polls = 0; waiting(); ) {
    if ((++polls & 1023) !== 0) continue;
    const now = performance.now();
    if (now > until || now - last > preemptedMs) {
      while (waiting()) sleep();
      break;
    }
    last = now;
  }
  const waited = performance.now() - start;
  budget.ms = waited <= spinMs ? Math.min(spinMs, budget.ms * 2) : Math.max(minMs, budget.ms / 4);
}

/**
 * Claims job `seq` of the control block whose CLAIM word is `at`: true for
 * the one thread that moves CLAIM from an earlier job to `seq`. Job counters
 * only grow, so a stale claimer (one that read `seq` before the caller
 * claimed it and posted a later job) finds CLAIM at or past `seq` and backs
 * off. Self-contained: the worker source embeds it as text.
 */
export function claimJob(i32: Int32Array, at: number, seq: number): boolean {
  const last = Atomics.load(i32, at);
  return last < seq && Atomics.compareExchange(i32, at, last, seq) === last;
}
