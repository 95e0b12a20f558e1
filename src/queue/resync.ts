// The periodic resync of one controller: every --resync-period, re-add every known key at low
// priority (a safety net queued behind new and changed objects). Semantics of client-go's shared
// informer (AddEventHandlerWithResyncPeriod, which upstream calls with --resync-period): 0 turns
// resync off; a positive period under one second is raised to one second (minimumResyncPeriod).
// A negative period makes client-go's resync loop spin (a timer of a negative duration fires at
// once, forever); the CLI warns and passes the same one-second minimum instead.

import type { Clock, TimerHandle } from '../base/clock.js';

/** client-go's minimumResyncPeriod. */
export const MIN_RESYNC_PERIOD_MS = 1000;

/** The period a --resync-period value runs with: undefined = no resync. */
export function effectiveResyncPeriodMs(periodMs: number): number | undefined {
  if (periodMs === 0 || Number.isNaN(periodMs)) return undefined;
  return Math.max(periodMs, MIN_RESYNC_PERIOD_MS);
}

export interface ResyncOptions {
  readonly clock: Clock;
  /** --resync-period in ms, as given. */
  readonly periodMs: number;
  /** The keys to re-add (read at each tick). */
  readonly keys: () => Iterable<string>;
  readonly add: (key: string) => void;
}

/** Starts the periodic resync; the handle stops it. With a period of 0 nothing is ever scheduled. */
export function startResync(options: ResyncOptions): TimerHandle {
  const period = effectiveResyncPeriodMs(options.periodMs);
  if (period === undefined) return { cancel: () => undefined };
  let timer: TimerHandle | undefined;
  let stopped = false;
  const schedule = (): void => {
    timer = options.clock.setTimer(() => {
      if (stopped) return;
      for (const key of options.keys()) options.add(key);
      schedule();
    }, period);
  };
  schedule();
  return {
    cancel: () => {
      stopped = true;
      timer?.cancel();
    },
  };
}
