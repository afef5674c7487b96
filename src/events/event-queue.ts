/**
 * A push-to-pull bridge: listeners push, one consumer pulls with `for await`.
 * Unlike a lazily started generator, it buffers from the moment it exists, so
 * a subscription opened before a store read misses nothing in between.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;

  constructor(private readonly onClose: () => void = () => {}) {}

  push(value: T): void {
    if (this.ended) return;
    const waiter = this.waiting;
    if (waiter) {
      this.waiting = undefined;
      waiter.resolve({ value, done: false });
    } else this.buffer.push(value);
  }

  /** Ends the stream with an error: the reader's pending or next `next()` rejects with it. */
  fail(error: unknown): void {
    if (this.ended) return;
    const waiter = this.waiting;
    this.waiting = undefined;
    this.close();
    if (waiter) waiter.reject(error);
    else this.failure = { error };
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** Ends the stream and detaches from the source; buffered items are dropped. */
  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.buffer.length = 0;
    this.onClose();
    const waiter = this.waiting;
    this.waiting = undefined;
    waiter?.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
