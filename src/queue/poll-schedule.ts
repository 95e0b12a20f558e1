// The readiness-poll schedule, deliberately separate from error back-off (upstream #1282: one
// shared limiter pushed long-running snapshots to a 5-minute poll and made ready times depend on
// unrelated failures). A poll is not a failure: the n-th consecutive not-ready poll waits
// min(start·1.5^n, max) ±10 %. Pure: the poll count per key lives in the work queue's entry and only
// a reconcile Result of kind 'poll' advances it (see WorkQueue.addPoll), so our own writes can never
// move it.

export interface PollSchedule {
  /** Delay before poll number `n` (0 for the first poll after the object was found not ready). */
  delayMs(n: number): number;
}

export interface PollScheduleOptions {
  /** --poll-interval-start (1 s). */
  readonly startMs: number;
  /** --poll-interval-max (30 s). */
  readonly maxMs: number;
  /** Growth per consecutive not-ready poll (1.5). */
  readonly factor?: number;
  /** ±fraction jitter (0.1) so snapshots cut together are not polled in lock-step. */
  readonly jitter?: number;
  /** Uniform [0, 1) source; injectable for deterministic tests. */
  readonly random?: () => number;
}

export const DEFAULT_POLL_FACTOR = 1.5;
export const DEFAULT_POLL_JITTER = 0.1;

export function readinessPollSchedule(options: PollScheduleOptions): PollSchedule {
  const { startMs, maxMs } = options;
  const factor = options.factor ?? DEFAULT_POLL_FACTOR;
  const jitter = Math.max(0, options.jitter ?? DEFAULT_POLL_JITTER);
  const random = options.random ?? Math.random;
  return {
    delayMs(n: number): number {
      const raw = Math.min(startMs * factor ** Math.max(0, Math.floor(n)), maxMs);
      const base = Number.isFinite(raw) ? raw : maxMs;
      return base * (1 + jitter * (2 * random() - 1));
    },
  };
}
