/**
 * A reusable wake-up signal for a loop: `wait` resolves on the next `notify` (or after an optional
 * timeout on the given clock, or when a signal aborts). A notify with nobody waiting is remembered
 * until the next `wait`.
 */
import type { Clock } from '../runtime/clock.ts';

/** See the module comment. */
export class Waker {
  readonly #clock: Clock;
  #pending = false;
  #resolve: (() => void) | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Wakes the current (or next) waiter. */
  notify(): void {
    if (this.#resolve !== undefined) {
      const resolve = this.#resolve;
      this.#resolve = undefined;
      resolve();
    } else {
      this.#pending = true;
    }
  }

  /** Resolves true on notify, false on timeout or abort. */
  wait(timeoutMs?: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve(true);
    }
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let cancel: (() => void) | undefined;
      const finish = (woken: boolean): void => {
        cancel?.();
        signal?.removeEventListener('abort', onAbort);
        if (this.#resolve === wake) this.#resolve = undefined;
        resolve(woken);
      };
      const wake = (): void => finish(true);
      const onAbort = (): void => finish(false);
      this.#resolve = wake;
      if (timeoutMs !== undefined) cancel = this.#clock.setTimer(timeoutMs, () => finish(false));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
