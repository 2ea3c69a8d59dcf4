/**
 * A push-to-pull bridge: producers `push` items and `end` the stream (optionally with an error);
 * the consumer reads them as an async iterator. Items pushed before `end` are still delivered,
 * then the error (if any) is thrown once, then the iterator is done. `return()` ends it at once.
 */

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(err: unknown): void;
}

/** An unbounded queue read as an AsyncIterableIterator. */
export class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private readonly onEnd: () => void;

  /** `onEnd` runs once, when the stream ends for any reason (consumer or producer). */
  constructor(onEnd: () => void = () => {}) {
    this.onEnd = onEnd;
  }

  /** True once ended (by the producer, by `return()`, or by an abort). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Queues an item, or hands it straight to a waiting consumer. Ignored after the end. */
  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter.resolve({ value: item, done: false });
    else this.queue.push(item);
  }

  /** Ends the stream; queued items are still delivered, then `error` is thrown (when given). */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.failure = { error };
    for (const waiter of this.waiters.splice(0)) this.settleEnded(waiter);
    this.onEnd();
  }

  /** Next item, waiting for one when the queue is empty. */
  next(): Promise<IteratorResult<T>> {
    const item = this.queue.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      if (this.ended) this.settleEnded(waiter);
      else this.waiters.push(waiter);
    });
  }

  /** Ends the stream from the consumer side (what `break` in `for await` calls). */
  return(): Promise<IteratorResult<T>> {
    this.queue.length = 0;
    this.failure = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settleEnded(waiter: Waiter<T>): void {
    const failure = this.failure;
    if (failure === undefined) {
      waiter.resolve({ value: undefined, done: true });
      return;
    }
    this.failure = undefined;
    waiter.reject(failure.error);
  }
}
