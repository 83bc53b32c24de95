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
 * How long an idle worker polls SEQ before it sleeps on it, and how long the
 * calling thread polls a worker's DONE: a futex wake costs more than most
 * kernels of a small network, while the JavaScript between two kernels
 * takes tens of microseconds. Only when the pool has no more threads than
 * the machine has cores (as libgomp does): an oversubscribed poller takes
 * time from the thread it waits for.
 */
export const SPIN_MS = 0.5;
/**
 * A gap this long between two polls means the polling thread lost its core:
 * the machine has more runnable threads than cores, where polling only takes
 * time from the thread being waited for, so it sleeps at once instead.
 */
export const PREEMPTED_MS = 0.1;
