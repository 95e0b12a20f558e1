// Callers blocked on the work queue: get() waiting for a key, shutDownWithDrain() waiting for the
// workers to finish. Each is a promise the queue settles with a value, oldest caller first; one
// whose AbortSignal fires settles itself with its abort value and leaves the list at once, so a
// later wake never goes to a caller that has gone (a key handed to it would be lost until done()).

export class WaiterList<T> {
  readonly #waiters: Array<(value: T) => void> = [];

  get size(): number {
    return this.#waiters.length;
  }

  /** Waits for a wake; resolves `abortValue` if `signal` aborts first (check it before calling). */
  wait(signal: AbortSignal | undefined, abortValue: T): Promise<T> {
    return new Promise<T>((resolve) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(wake);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve(abortValue);
      };
      const wake = (value: T): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      this.#waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Settles the oldest waiter with `value`; false when nobody waits. */
  wakeOne(value: T): boolean {
    const wake = this.#waiters.shift();
    wake?.(value);
    return wake !== undefined;
  }

  /** Settles every waiter with `value` (the list is empty before any of them runs). */
  wakeAll(value: T): void {
    for (const wake of this.#waiters.splice(0)) wake(value);
  }
}
