// The per-key error back-off policy: client-go's ItemExponentialFailureRateLimiter, the only limiter
// upstream's content queue uses (--retry-interval-start doubling up to --retry-interval-max). Pure:
// the failure count per key lives in the work queue's entry (so an idle key cannot leak a count),
// and this module only maps a count to a delay.

export interface BackoffPolicy {
  /** Delay before the retry that follows `failures` earlier consecutive failures (0 for the first). */
  delayMs(failures: number): number;
}

export interface ExponentialBackoffOptions {
  /** --retry-interval-start: the delay after the first failure. */
  readonly baseMs: number;
  /** --retry-interval-max: the cap. */
  readonly maxMs: number;
  /**
   * Optional ±fraction jitter (0 = none, upstream's behaviour). Jitter spreads retries of many keys
   * that failed together (a driver outage) so they do not return in lock-step.
   */
  readonly jitter?: number;
  /** Uniform [0, 1) source; injectable for deterministic tests. */
  readonly random?: () => number;
}

export function exponentialBackoff(options: ExponentialBackoffOptions): BackoffPolicy {
  const { baseMs, maxMs } = options;
  const jitter = Math.max(0, options.jitter ?? 0);
  const random = options.random ?? Math.random;
  return {
    delayMs(failures: number): number {
      const exp = Math.max(0, Math.floor(failures));
      // 2^exp overflows to Infinity long before the cap matters; min() absorbs it like client-go's
      // explicit overflow check.
      const raw = Math.min(baseMs * 2 ** exp, maxMs);
      const capped = Number.isFinite(raw) ? raw : maxMs;
      if (jitter === 0) return capped;
      return capped * (1 + jitter * (2 * random() - 1));
    },
  };
}
