/**
 * The buffer between the crawl's workers and its consumer: workers put
 * documents in, the async generator hands them out in order. `send` waits
 * while more than `capacity` are buffered, so a slow consumer slows the crawl.
 */
export class OutputChannel<T> {
  private readonly buffer: T[] = [];
  private wake?: () => void;
  private readonly space: Array<() => void> = [];
  private closed = false;

  constructor(private readonly capacity: number) {}

  /** True once `close` was called: no more items will come. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Puts an item in without waiting. */
  push(item: T): void {
    this.buffer.push(item);
    this.wake?.();
  }

  /** Puts an item in; waits while the consumer is behind (unless `signal` has aborted). */
  async send(item: T, signal: AbortSignal): Promise<void> {
    this.push(item);
    if (this.buffer.length > this.capacity && !signal.aborted) {
      await new Promise<void>((resolve) => this.space.push(resolve));
    }
  }

  /** No more items: `items()` ends once the buffer is empty. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** Lets every waiting `send` return (the crawl is stopping). */
  releaseSenders(): void {
    for (const resolve of this.space.splice(0)) resolve();
  }

  /** The items in order, until the channel is closed and empty. */
  async *items(): AsyncGenerator<T, void, undefined> {
    for (;;) {
      if (this.buffer.length) {
        const item = this.buffer.shift()!;
        this.space.shift()?.();
        yield item;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
