// Layout of one worker's control block in shared linear memory. The main
// thread writes a job (function index and arguments) and bumps SEQ; the
// worker runs it and copies SEQ into DONE. All offsets are in 32-bit words
// from the block start; arguments are float64 so i32 and f32 values both fit.

/** Job counter written by the main thread. */
export const SEQ = 0;
/** Last job counter the worker finished. */
export const DONE = 1;
/** Index of the kernel export to call; −1 tells the worker to exit. */
export const FN = 2;
/** Number of arguments. */
export const NARGS = 3;
/** 1 once the worker has instantiated the module. */
export const READY = 4;
/** 1 when the last job threw. */
export const FAILED = 5;
/** 1 when the worker may poll before sleeping (no more threads than cores; see SPIN_MS). */
export const POLL = 6;
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
/**
 * The shortest poll (see `pollWhile`): short enough to cost nothing on a
 * loaded machine, long enough to see that the other thread answers at once
 * again and lengthen the polls.
 */
export const MIN_SPIN_MS = 0.02;
/** A gap this long between two polls means the polling thread lost its core. */
export const PREEMPTED_MS = 0.1;

/**
 * Polls while `waiting()` holds for up to `budget.ms`, and adapts the
 * budget: an answer while polling doubles it (up to `spinMs`); a timeout or
 * a lost core (other jobs hold the cores, so polling only delays the thread
 * waited for) quarters it (down to `minMs`). Returns whether the wait ended.
 * Self-contained: the worker source embeds it as text.
 */
export function pollWhile(
  waiting: () => boolean,
  budget: { ms: number },
  spinMs: number,
  minMs: number,
  preemptedMs: number,
): boolean {
  let last = performance.now();
  const until = last + budget.ms;
  while (waiting()) {
    const now = performance.now();
    if (now > until || now - last > preemptedMs) {
      budget.ms = Math.max(minMs, budget.ms / 4);
      return false;
    }
    last = now;
  }
  budget.ms = Math.min(spinMs, budget.ms * 2);
  return true;
}
