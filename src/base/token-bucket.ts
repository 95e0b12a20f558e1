// client-go's client-side rate limiter for API requests (flowcontrol.NewTokenBucketRateLimiter over
// golang.org/x/time/rate), which @kubernetes/client-node lacks. Semantics kept for drop-in
// behaviour of --kube-api-qps/--kube-api-burst: the bucket starts FULL with `burst` tokens and
// refills at `qps` per second; each acquire reserves the next token in call order (tokens may go
// negative), so waiters are served FIFO and the reservation fixes each waiter's wake time.
// rest.Config rules: qps 0 means the default 5, burst 0 the default 10, qps < 0 no limiter.
// The total wait is exposed for a throttle metric and a one-time "consider --kube-api-qps" log;
// logging is the caller's.

import type { Clock } from './clock.js';

export const DEFAULT_QPS = 5;
export const DEFAULT_BURST = 10;

export interface TokenBucketOptions {
  readonly qps: number;
  readonly burst: number;
  readonly clock: Clock;
}

export class TokenBucket {
  /** Tokens per second; 0 when unlimited. Kept per second so whole-number rates give exact waits. */
  private readonly qps: number;
  private readonly burst: number;
  private readonly unlimited: boolean;
  private readonly clock: Clock;
  /** Tokens at `last` (negative = reserved by waiters). */
  private tokens: number;
  private last: number;
  private waitedMs = 0;
  private delayed = 0;

  constructor(options: TokenBucketOptions) {
    this.clock = options.clock;
    const qps = options.qps === 0 ? DEFAULT_QPS : options.qps;
    // NaN and negative: no limiter (rest.Config); +Inf: x/time/rate's unlimited rate.Inf.
    this.unlimited = !(qps > 0) || qps === Infinity;
    this.qps = this.unlimited ? 0 : qps;
    // x/time/rate with burst 0 refuses every wait; one token is the least that can make progress.
    this.burst = Math.max(1, options.burst === 0 ? DEFAULT_BURST : Math.floor(options.burst));
    this.tokens = this.burst;
    this.last = this.clock.monotonic();
  }

  /**
   * Waits for a token and resolves with the milliseconds waited (0 when one was free). Rejects with
   * the signal's reason when it aborts first; the reserved token is then returned.
   */
  async acquire(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) throw signal.reason;
    if (this.unlimited) return 0;
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    const waitMs = (-this.tokens * 1000) / this.qps;
    try {
      await this.clock.sleep(waitMs, signal);
    } catch (err) {
      this.tokens += 1;
      throw err;
    }
    this.waitedMs += waitMs;
    this.delayed++;
    return waitMs;
  }

  /** Takes a token if one is free now, without waiting (client-go TryAccept). */
  tryAcquire(): boolean {
    if (this.unlimited) return true;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds all acquires have waited so far, and how many had to wait. */
  throttled(): { readonly totalWaitMs: number; readonly delayedRequests: number } {
    return { totalWaitMs: this.waitedMs, delayedRequests: this.delayed };
  }

  private refill(): void {
    const now = this.clock.monotonic();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
  }
}
