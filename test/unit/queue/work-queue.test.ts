// One test per clause of the work-queue contract (client-go doc.go plus our priorities, delays,
// back-off and poll schedule), all on virtual time.

import { afterEach, describe, expect, test } from '@jest/globals';
import { exponentialBackoff } from '../../../src/queue/backoff.js';
import { readinessPollSchedule } from '../../../src/queue/poll-schedule.js';
import { WorkQueue } from '../../../src/queue/work-queue.js';
import type { InFlightStats, WorkQueueMetrics } from '../../../src/queue/work-queue-metrics.js';
import { VirtualClock } from '../../support/virtual-clock.js';

interface Fixture {
  readonly clock: VirtualClock;
  readonly q: WorkQueue<string>;
}

const queues: WorkQueue<string>[] = [];

function fixture(metrics?: WorkQueueMetrics): Fixture {
  const clock = new VirtualClock();
  const q = new WorkQueue<string>({
    name: 'test',
    clock,
    backoff: exponentialBackoff({ baseMs: 1000, maxMs: 8000 }),
    poll: readinessPollSchedule({ startMs: 1000, maxMs: 4000, jitter: 0 }),
    ...(metrics === undefined ? {} : { metrics: () => metrics }),
  });
  queues.push(q);
  return { clock, q };
}

afterEach(() => {
  for (const q of queues.splice(0)) q.shutDown();
});

/** Observes a promise's settlement without awaiting it. */
function watch<T>(p: Promise<T>): { settled: boolean; value: T | undefined } {
  const w: { settled: boolean; value: T | undefined } = { settled: false, value: undefined };
  void p.then((v) => {
    w.settled = true;
    w.value = v;
  });
  return w;
}

/** Hands out every ready key, marking each done. */
async function drainReady(q: WorkQueue<string>): Promise<string[]> {
  const out: string[] = [];
  while (q.len() > 0) {
    const k = await q.get();
    if (k === undefined) break;
    out.push(k);
    q.done(k);
  }
  return out;
}

describe('WorkQueue', () => {
  test('TestCollapseWhileQueued: a key added many times while queued is handed out once', async () => {
    const { q } = fixture();
    q.add('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(1);
    expect(await drainReady(q)).toEqual(['a']);
  });

  test('TestFifoWithinPriority: keys of one priority are handed out in add order', async () => {
    const { q } = fixture();
    for (const k of ['c', 'a', 'b']) q.add(k, 'low');
    for (const k of ['z', 'x', 'y']) q.add(k, 'high');
    expect(await drainReady(q)).toEqual(['z', 'x', 'y', 'c', 'a', 'b']);
  });

  test('TestHighBeforeLow: a new key added after a large resync is handed out before it (#1148)', async () => {
    const { q } = fixture();
    for (let i = 0; i < 1000; i++) q.add(`resync-${i}`, 'low');
    q.add('new', 'high');
    expect(await q.get()).toBe('new');
  });

  test('TestQueuedKeyKeepsHigherPriority: a low re-add never demotes, a high re-add promotes', async () => {
    const { q } = fixture();
    q.add('l1', 'low');
    q.add('kept', 'high');
    q.add('kept', 'low');
    q.add('promoted', 'low');
    q.add('l2', 'low');
    q.add('promoted', 'high');
    expect(q.len()).toBe(4);
    expect(await drainReady(q)).toEqual(['kept', 'promoted', 'l1', 'l2']);
  });

  test('TestCollapseWhileProcessing: re-adds during processing requeue the key once, on done', async () => {
    const { q } = fixture();
    q.add('a');
    expect(await q.get()).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    q.done('a');
    expect(q.len()).toBe(1);
    expect(await drainReady(q)).toEqual(['a']);
  });

  test('TestNeverTwoWorkersOnOneKey: a key being processed is not handed to a second getter', async () => {
    const { clock, q } = fixture();
    q.add('a');
    const first = await q.get();
    const second = watch(q.get());
    q.add('a');
    await clock.advance(0);
    expect(first).toBe('a');
    expect(second.settled).toBe(false);
    q.done('a');
    await clock.advance(0);
    expect(second.value).toBe('a');
  });

  test('TestGetWaitsForAdd: blocked getters are served in call order', async () => {
    const { clock, q } = fixture();
    const g1 = watch(q.get());
    const g2 = watch(q.get());
    await clock.advance(0);
    expect(g1.settled).toBe(false);
    q.add('a');
    q.add('b');
    await clock.advance(0);
    expect([g1.value, g2.value]).toEqual(['a', 'b']);
  });

  test('TestGetAbort: an aborted signal resolves a blocked get with undefined and takes no key', async () => {
    const { clock, q } = fixture();
    const ac = new AbortController();
    const g = watch(q.get(ac.signal));
    ac.abort();
    await clock.advance(0);
    expect(g.settled).toBe(true);
    expect(g.value).toBeUndefined();
    q.add('a');
    expect(q.len()).toBe(1);
  });

  test('TestAddAfter: a delayed key becomes ready exactly at its delay', async () => {
    const { clock, q } = fixture();
    q.addAfter('a', 500);
    await clock.advance(499);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
  });

  test('TestAddAfterEarliestWins: a shorter delay replaces a longer one, a longer one is ignored', async () => {
    const { clock, q } = fixture();
    q.addAfter('a', 10_000);
    q.addAfter('a', 2000);
    q.addAfter('a', 5000);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(2000);
    expect(await drainReady(q)).toEqual(['a']);
    await clock.advance(20_000);
    expect(q.len()).toBe(0);
  });

  test('TestDirectAddMakesDelayedReadyNow: add() cancels a pending delay and leaves nothing stale', async () => {
    const { clock, q } = fixture();
    q.addAfter('a', 10_000);
    q.add('a');
    expect(clock.pendingTimers()).toBe(0);
    expect(await drainReady(q)).toEqual(['a']);
    await clock.advance(10_000);
    expect(q.len()).toBe(0);
    expect(q.trackedKeys()).toBe(0);
  });

  test('TestAddAfterIgnoredWhileQueued: a queued key is already due sooner', async () => {
    const { clock, q } = fixture();
    q.add('a');
    q.addAfter('a', 1000);
    expect(clock.pendingTimers()).toBe(0);
    expect(await drainReady(q)).toEqual(['a']);
  });

  test('TestAddAfterWhileProcessing: a delay that elapses during processing requeues on done', async () => {
    const { clock, q } = fixture();
    q.add('a');
    await q.get();
    q.addAfter('a', 100);
    await clock.advance(100);
    expect(q.len()).toBe(0);
    q.done('a');
    expect(await drainReady(q)).toEqual(['a']);
  });

  test('TestDelayedAddKeepsPriority: a delayed low add fires behind queued high keys', async () => {
    const { clock, q } = fixture();
    q.addAfter('late-low', 100, 'low');
    await clock.advance(100);
    q.add('high');
    expect(await drainReady(q)).toEqual(['high', 'late-low']);
  });

  test('TestAddRateLimited: per-key back-off is base·2^failures, capped at max', async () => {
    const { clock, q } = fixture();
    const readyAfter: number[] = [];
    let last = clock.monotonic();
    q.addRateLimited('a');
    for (let i = 0; i < 5; i++) {
      await clock.runUntilIdle();
      readyAfter.push(clock.monotonic() - last);
      last = clock.monotonic();
      expect(await q.get()).toBe('a');
      q.addRateLimited('a'); // failed again, as the controller loop does before done
      q.done('a');
    }
    expect(readyAfter).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(q.numRequeues('a')).toBe(6);
    expect(q.numRequeues('other')).toBe(0);
  });

  test('TestForget: forget resets the back-off to the base delay', async () => {
    const { clock, q } = fixture();
    q.add('a');
    await q.get();
    for (let i = 0; i < 3; i++) q.addRateLimited('a');
    q.done('a');
    await clock.runUntilIdle();
    expect(await q.get()).toBe('a');
    expect(q.numRequeues('a')).toBe(3);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    q.addRateLimited('a');
    q.done('a');
    expect(clock.nextDue()).toBe(clock.monotonic() + 1000);
  });

  test('TestIdleKeyLeavesNoState: a key done without requeue is dropped, counts included', async () => {
    const { clock, q } = fixture();
    q.addRateLimited('a');
    q.addRateLimited('a');
    await clock.runUntilIdle();
    expect(await drainReady(q)).toEqual(['a']);
    expect(q.trackedKeys()).toBe(0);
    expect(q.numRequeues('a')).toBe(0);
  });

  test('TestPollSchedule: consecutive not-ready polls wait start·1.5^n, capped at max', async () => {
    const { clock, q } = fixture();
    const delays: number[] = [];
    let last = clock.monotonic();
    q.addPoll('a');
    for (let i = 0; i < 5; i++) {
      await clock.runUntilIdle();
      delays.push(clock.monotonic() - last);
      last = clock.monotonic();
      expect(await q.get()).toBe('a');
      q.addPoll('a'); // still not ready
      q.done('a');
    }
    expect(delays).toEqual([1000, 1500, 2250, 3375, 4000]);
    expect(q.pollCount('a')).toBe(5);
  });

  test('TestPollClearsErrorBackoff: a poll is not a failure', () => {
    const { q } = fixture();
    q.addRateLimited('a');
    q.addRateLimited('a');
    q.addPoll('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  test('TestPollEarlyWakeKeepsSchedule: an event before the poll is due advances neither count nor due time', async () => {
    const { clock, q } = fixture();
    q.addPoll('a');
    await clock.advance(300);
    q.add('a'); // e.g. an update event
    expect(await q.get()).toBe('a');
    q.addPoll('a'); // still not ready
    q.done('a');
    expect(q.pollCount('a')).toBe(0);
    expect(clock.nextDue()).toBe(1000);
  });

  test('TestPollStageChangeRestarts: a poll for a different stage starts from the first delay', async () => {
    const { clock, q } = fixture();
    q.addPoll('a', 'create');
    await clock.runUntilIdle();
    await q.get();
    q.addPoll('a', 'create');
    expect(q.pollCount('a')).toBe(1);
    q.done('a');
    await clock.runUntilIdle();
    await q.get();
    q.addPoll('a', 'delete');
    q.done('a');
    expect(q.pollCount('a')).toBe(0);
    expect(clock.nextDue()).toBe(clock.monotonic() + 1000);
  });

  test('TestForgetResetsPoll: forget (object ready or changed) resets the poll schedule', () => {
    const { q } = fixture();
    q.addPoll('a');
    q.forget('a');
    expect(q.pollCount('a')).toBeUndefined();
  });

  test('TestShutDown: wakes blocked getters, then get returns undefined and adds are ignored', async () => {
    const { clock, q } = fixture();
    const blocked = watch(q.get());
    q.addAfter('later', 1000);
    q.shutDown();
    await clock.advance(0);
    expect(blocked.settled).toBe(true);
    expect(blocked.value).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
    q.add('a');
    q.addRateLimited('b');
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
    expect(q.trackedKeys()).toBe(0);
  });

  test('TestShutDownWithDrain: resolves only after every processing key is done', async () => {
    const { clock, q } = fixture();
    q.add('a');
    q.add('b');
    await q.get();
    const drained = watch(q.shutDownWithDrain());
    await clock.advance(0);
    expect(drained.settled).toBe(false);
    expect(await q.get()).toBeUndefined();
    q.done('a');
    await clock.advance(0);
    expect(drained.value).toBe('drained');
  });

  test('TestShutDownWithDrainAbort: an aborted signal stops waiting for stuck keys', async () => {
    const { clock, q } = fixture();
    q.add('a');
    await q.get();
    const ac = new AbortController();
    const drained = watch(q.shutDownWithDrain(ac.signal));
    ac.abort();
    await clock.advance(0);
    expect(drained.value).toBe('aborted');
  });

  test('TestMetrics: adds, depth, latencies, retries and in-flight gauges are reported', async () => {
    const seen = { adds: 0, retries: 0, depth: [] as number[], queue: [] as number[], work: [] as number[] };
    let probe: (() => InFlightStats) | undefined;
    const metrics: WorkQueueMetrics = {
      depth: (n) => seen.depth.push(n),
      add: () => seen.adds++,
      queueDuration: (s) => seen.queue.push(s),
      workDuration: (s) => seen.work.push(s),
      retry: () => seen.retries++,
      bindInFlight: (p) => {
        probe = p;
      },
    };
    const { clock, q } = fixture(metrics);
    q.add('a');
    q.add('a');
    q.add('b');
    await clock.advance(2000);
    await q.get();
    await clock.advance(3000);
    expect(probe?.()).toEqual({ unfinishedWorkSeconds: 3, longestRunningProcessorSeconds: 3 });
    q.done('a');
    q.addRateLimited('a');
    expect(seen).toMatchObject({ adds: 2, retries: 1, queue: [2], work: [3] });
    expect(seen.depth).toEqual([1, 2, 1]);
  });
});
