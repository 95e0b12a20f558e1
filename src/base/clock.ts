// The injected source of time. Every timer in the sidecar goes through a Clock so tests can run
// the queue, poll scheduler, leader elector and informer supervisor on virtual time.

/** Node clamps timers above 2^31-1 ms to 1 ms (and warns); never ask for more. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface TimerHandle {
  cancel(): void;
}

export interface TimerOptions {
  /** The pending timer alone does not keep the process alive (Node's timer.unref()). */
  readonly unref?: boolean;
}

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (for timestamps written to the API). */
  now(): number;
  /** Monotonic milliseconds (for durations and deadlines inside the process). */
  monotonic(): number;
  /** Runs fn after ms (clamped to [0, MAX_TIMER_MS]); the handle cancels it. */
  setTimer(fn: () => void, ms: number, options?: TimerOptions): TimerHandle;
  /** Resolves after ms, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function clampTimerMs(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(fn, ms, options) {
    const t = setTimeout(fn, clampTimerMs(ms));
    if (options?.unref === true) t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, clampTimerMs(ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
