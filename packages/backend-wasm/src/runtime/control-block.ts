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
/** The shortest poll: short enough to cost nothing on a loaded machine. */
export const MIN_SPIN_MS = 0.02;
/** A gap this long between two polls means the polling thread lost its core. */
export const PREEMPTED_MS = 0.1;

/**
 * Polls while `waiting()` holds, for up to `budgetMs` and only while this
 * thread keeps its core. Returns whether the wait ended. Self-contained:
 * the worker source embeds it as text.
 */
export function pollWhile(waiting: () => boolean, budgetMs: number, preemptedMs: number): boolean {
  let last = performance.now();
  const until = last + budgetMs;
  while (waiting()) {
    const now = performance.now();
    if (now > until || now - last > preemptedMs) return false;
    last = now;
  }
  return true;
}

/**
 * Adapts a thread's poll length to the wait it just had (polling and
 * sleeping together): a wait the longest poll would have covered doubles
 * it, up to `spinMs`; a longer one (the other thread was busy elsewhere or
 * descheduled, as when other jobs hold the cores) quarters it, down to
 * `minMs`. Judged on the whole wait, not on the poll alone, so a short poll
 * that just missed grows again. Self-contained, like pollWhile.
 */
export function adaptPoll(budget: { ms: number }, waitedMs: number, spinMs: number, minMs: number): void {
  budget.ms = waitedMs <= spinMs ? Math.min(spinMs, budget.ms * 2) : Math.max(minMs, budget.ms / 4);
}
