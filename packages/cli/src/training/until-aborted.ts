/**
 * Passes on batches until `signal` aborts, checking after each one is used,
 * so Ctrl-C stops an evaluation at the next batch boundary. It always passes
 * on the first, since evaluate treats empty data as an error. Leaving the
 * loop early returns the source iterator, which lets a DataLoader drop the
 * batch it had prepared.
 */
export class UntilAborted<T> implements AsyncIterable<T> {
  /** Batches passed on so far. */
  passed = 0;
  /** Whether the signal ended the iteration before the source ran out. */
  stopped = false;

  constructor(
    private readonly source: AsyncIterable<T>,
    private readonly signal: AbortSignal,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const item of this.source) {
      this.passed++;
      yield item;
      if (this.signal.aborted) {
        this.stopped = true;
        return;
      }
    }
  }
}
