// The work queue the controller tests run on: the sidecar's default timing (error back-off 1 s·2ⁿ
// up to 5 min: --retry-interval-start/-max; readiness poll 1 s·1.5ⁿ up to 30 s) on the test's
// clock, without poll jitter so every poll falls at an exact virtual instant.
import type { Clock } from '../../src/base/clock.js';
import { exponentialBackoff } from '../../src/queue/backoff.js';
import { readinessPollSchedule } from '../../src/queue/poll-schedule.js';
import { WorkQueue } from '../../src/queue/work-queue.js';

export function defaultQueue(clock: Clock, name = 'test'): WorkQueue<string> {
  return new WorkQueue<string>({
    name,
    clock,
    backoff: exponentialBackoff({ baseMs: 1000, maxMs: 300_000 }),
    poll: readinessPollSchedule({ startMs: 1000, maxMs: 30_000, jitter: 0 }),
  });
}
