/**
 * Resolves on a later turn of the event loop, after pending I/O and timers,
 * so unsubscribes, progress output and pages stay responsive between
 * batches. setImmediate where it exists (Node), else a MessageChannel
 * message (browsers, workers; unlike setTimeout it is not clamped to 4 ms),
 * else setTimeout(0).
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    const setImmediate = g.setImmediate;
    return new Promise((resolve) => void setImmediate(resolve));
  }
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
