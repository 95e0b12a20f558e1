// Virtual time for tests: a Clock whose timers fire only when the test advances time, so queue,
// back-off, poll and token-bucket behaviour can be asserted at exact virtual instants without real
// sleeps. Invariants: (1) timers fire in (due time, creation order); (2) a timer created by a fired
// callback fires in the same advance() when it falls due before its target; (3) pending microtasks
// (promise continuations) run before each timer and before advance() returns, so `await` chains
// started by one timer settle before the next one fires.

import { clampTimerMs, type Clock, type TimerHandle } from '../../src/base/clock.js';

interface VirtualTimer {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export interface VirtualClockOptions {
  /** Wall-clock epoch milliseconds at virtual time 0 (default 2024-01-01T00:00:00Z). */
  readonly startWallMs?: number;
}

/** Thrown by runUntilIdle when timers keep re-arming themselves (a periodic timer never idles). */
export class VirtualClockRunawayError extends Error {
  readonly code = 'VIRTUAL_CLOCK_RUNAWAY';
  constructor(fired: number) {
    super(`runUntilIdle fired ${fired} timers and timers are still pending; use advance() for periodic timers`);
    this.name = 'VirtualClockRunawayError';
  }
}

/** Lets every queued microtask run: setImmediate callbacks run only after the microtask queue drains. */
function flushMicrotasks(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  /** Sorted by (due, seq); cancelled timers are removed eagerly so pendingTimers() is exact. */
  private timers: VirtualTimer[] = [];
  private readonly startWallMs: number;

  constructor(options: VirtualClockOptions = {}) {
    this.startWallMs = options.startWallMs ?? Date.UTC(2024, 0, 1);
  }

  now(): number {
    return this.startWallMs + this.t;
  }

  monotonic(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer: VirtualTimer = { due: this.t + clampTimerMs(ms), seq: this.seq++, fn, cancelled: false };
    // Binary search for the first timer due strictly later: equal due times keep creation order.
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.timers[mid];
      if (other !== undefined && other.due <= timer.due) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
    return {
      cancel: () => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        const i = this.timers.indexOf(timer);
        if (i >= 0) this.timers.splice(i, 1);
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        handle.cancel();
        reject(signal?.reason);
      };
      const handle = this.setTimer(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of timers that have neither fired nor been cancelled (for leak checks). */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Due time (monotonic ms) of the next pending timer, if any. */
  nextDue(): number | undefined {
    return this.timers[0]?.due;
  }

  /** Moves time forward by ms, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.t + Math.max(0, ms);
    await flushMicrotasks();
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.due > target) break;
      await this.fire(next);
    }
    this.t = target;
    await flushMicrotasks();
  }

  /** Fires timers (moving time to each) until none is pending; throws past maxTimers firings. */
  async runUntilIdle(maxTimers = 10_000): Promise<void> {
    await flushMicrotasks();
    let fired = 0;
    for (;;) {
      const next = this.timers[0];
      if (next === undefined) return;
      if (fired >= maxTimers) throw new VirtualClockRunawayError(fired);
      await this.fire(next);
      fired++;
    }
  }

  private async fire(timer: VirtualTimer): Promise<void> {
    this.timers.shift();
    this.t = Math.max(this.t, timer.due);
    timer.cancelled = true;
    timer.fn();
    await flushMicrotasks();
  }
}
