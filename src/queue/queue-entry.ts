// Everything the work queue knows about one key, in one record (STYLE.md: one Map<key, Entry>
// instead of client-go's three stacked layers). The field comments state the invariants the queue
// keeps; the queue deletes an entry as soon as it is neither dirty, waiting nor processing.

import type { TimerHandle } from '../base/clock.js';

/** 'high' for new or changed objects, 'low' for resync; every high key is handed out before any low key. */
export type Priority = 'high' | 'low';

export const rank = (p: Priority): number => (p === 'high' ? 1 : 0);
export const higher = (a: Priority, b: Priority): Priority => (rank(a) >= rank(b) ? a : b);

export interface PollState {
  /** Consecutive polls in this stage; 0 for the first. */
  readonly n: number;
  readonly stage: string;
  /** Monotonic time the current poll falls due. */
  readonly dueAt: number;
}

export interface Entry {
  /** Wants to be handed out: in a FIFO under `ticket`, or (while processing) requeued on done. */
  dirty: boolean;
  /** Priority of the dirty add; higher wins while queued. */
  priority: Priority;
  /** Identifies the live FIFO slot of this key; older slots are stale. */
  ticket: number;
  /** Monotonic time the key became dirty (queue latency). */
  queuedAt: number;
  /** Handed out and not yet done: never handed out twice. */
  processing: boolean;
  processingSince: number;
  /** Pending delayed add (earliest wins), with its timer and priority. Undefined while dirty. */
  readyAt: number | undefined;
  delayedPriority: Priority;
  timer: TimerHandle | undefined;
  /** Consecutive addRateLimited calls since the last forget/poll. */
  failures: number;
  poll: PollState | undefined;
}

export function newEntry(): Entry {
  return {
    dirty: false,
    priority: 'low',
    ticket: 0,
    queuedAt: 0,
    processing: false,
    processingSince: 0,
    readyAt: undefined,
    delayedPriority: 'low',
    timer: undefined,
    failures: 0,
    poll: undefined,
  };
}
