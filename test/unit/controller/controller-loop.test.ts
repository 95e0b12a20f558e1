// The controller loop: each Result kind maps to the right queue operation, workers survive
// throws, never share a key, and stop cleanly. All on virtual time.

import { describe, expect, test } from '@jest/globals';
import { ControllerOptionsError, runController, type RunningController } from '../../../src/controller/controller-loop.js';
import { Result } from '../../../src/controller/result.js';
import type { LogFields, Logger } from '../../../src/observability/logger.js';
import { exponentialBackoff } from '../../../src/queue/backoff.js';
import { readinessPollSchedule } from '../../../src/queue/poll-schedule.js';
import { WorkQueue } from '../../../src/queue/work-queue.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { defaultQueue } from '../../support/default-queue.js';
import { VirtualClock } from '../../support/virtual-clock.js';

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly fields: LogFields | undefined;
}

function recordingLogger(lines: LogLine[], verbosity = 10): Logger {
  const log: Logger = {
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields }),
    v: (n) => ({ info: (msg, fields) => (n <= verbosity ? lines.push({ level: `v${n}`, msg, fields }) : undefined) }),
    enabled: (n) => n <= verbosity,
    with: () => log,
  };
  return log;
}

type Reconcile = (key: string, signal: AbortSignal) => Promise<Result>;

interface Harness {
  readonly clock: VirtualClock;
  readonly queue: WorkQueue<string>;
  readonly lines: LogLine[];
  readonly calls: Array<{ readonly key: string; readonly at: number }>;
  readonly abort: AbortController;
  readonly controller: RunningController;
}

const cleanups = cleanupsAfterEach();

function start(reconcile: Reconcile, workers = 1): Harness {
  const clock = new VirtualClock();
  const queue = defaultQueue(clock);
  const lines: LogLine[] = [];
  const calls: Array<{ key: string; at: number }> = [];
  const abort = new AbortController();
  const controller = runController({
    queue,
    workers,
    clock,
    log: recordingLogger(lines),
    signal: abort.signal,
    reconcile: (key, signal) => {
      calls.push({ key, at: clock.monotonic() });
      return reconcile(key, signal);
    },
  });
  cleanups.push(async () => {
    await controller.stop();
    queue.shutDown();
  });
  return { clock, queue, lines, calls, abort, controller };
}

const times = (h: Harness, key = 'a'): number[] => h.calls.filter((c) => c.key === key).map((c) => c.at);

describe('runController', () => {
  test('done forgets the key: it is reconciled once and leaves no queue state', async () => {
    const h = start(async () => Result.done());
    h.queue.add('a');
    await h.clock.advance(60_000);
    expect(times(h)).toEqual([0]);
    expect(h.queue.trackedKeys()).toBe(0);
  });

  test('poll requeues on the readiness-poll schedule, not the error back-off (#1282)', async () => {
    let n = 0;
    const h = start(async () => (++n < 5 ? Result.poll('create') : Result.done()));
    h.queue.add('a');
    await h.clock.advance(60_000);
    expect(times(h)).toEqual([0, 1000, 2500, 4750, 8125]);
    expect(h.queue.numRequeues('a')).toBe(0);
    expect(h.queue.trackedKeys()).toBe(0);
  });

  test('error requeues with per-key exponential back-off and logs at V(4) like upstream', async () => {
    const h = start(async () => Result.error(new Error('driver unavailable')));
    h.queue.add('a');
    await h.clock.advance(15_000);
    expect(times(h)).toEqual([0, 1000, 3000, 7000, 15_000]);
    const failed = h.lines.filter((l) => l.msg === 'Failed to sync a, will retry');
    expect(failed).toHaveLength(5);
    expect(failed[0]?.level).toBe('v4');
    expect(failed[0]?.fields).toMatchObject({ key: 'a' });
  });

  test('a thrown exception is an error result and never kills the worker', async () => {
    const h = start(async (key) => {
      if (key === 'bad') throw new Error('boom');
      return Result.done();
    });
    h.queue.add('bad');
    h.queue.add('good');
    await h.clock.advance(1000);
    expect(times(h, 'good')).toEqual([0]);
    expect(times(h, 'bad')).toEqual([0, 1000]);
    expect(h.lines.some((l) => l.msg === 'Failed to sync bad, will retry' && l.fields?.['err'] instanceof Error)).toBe(true);
  });

  test('requeueAfter requeues after exactly ms and forgets the error back-off', async () => {
    let n = 0;
    const h = start(async () => {
      n++;
      if (n <= 2) return Result.error(new Error('transient'));
      return n === 3 ? Result.requeueAfter(5000) : Result.done();
    });
    h.queue.add('a');
    await h.clock.advance(20_000);
    expect(times(h)).toEqual([0, 1000, 3000, 8000]);
  });

  test('workers run keys concurrently but never one key twice at once', async () => {
    const running = new Set<string>();
    let maxConcurrent = 0;
    let overlap = false;
    const h = start(async (key) => {
      if (running.has(key)) overlap = true;
      running.add(key);
      maxConcurrent = Math.max(maxConcurrent, running.size);
      await h.clock.sleep(100);
      running.delete(key);
      return Result.done();
    }, 3);
    for (const k of ['a', 'b', 'c', 'd']) h.queue.add(k);
    await h.clock.advance(50);
    h.queue.add('a'); // re-added while processing: must wait for done
    await h.clock.advance(1000);
    expect(maxConcurrent).toBe(3);
    expect(overlap).toBe(false);
    expect(times(h, 'a')).toEqual([0, 100]);
    expect(times(h, 'd')).toEqual([100]);
  });

  test('aborting the signal stops taking keys; in-flight reconciles observe it without back-off', async () => {
    const h = start(async (_key, signal) => {
      await h.clock.sleep(10_000, signal);
      return Result.done();
    });
    h.queue.add('a');
    await h.clock.advance(10);
    h.abort.abort();
    await h.controller.stopped;
    expect(h.queue.numRequeues('a')).toBe(0);
    expect(h.queue.len()).toBe(1); // kept for a later run, not lost
    h.queue.add('b');
    await h.clock.advance(20_000);
    expect(h.calls.map((c) => c.key)).toEqual(['a']);
    expect(h.lines.some((l) => l.msg.startsWith('Failed to sync'))).toBe(false);
  });

  test('stop() resolves only after in-flight reconciles finish', async () => {
    let finished = false;
    const h = start(async () => {
      await h.clock.sleep(500);
      finished = true;
      return Result.done();
    });
    h.queue.add('a');
    await h.clock.advance(10);
    const stopping = h.controller.stop();
    await h.clock.advance(500);
    await stopping;
    expect(finished).toBe(true);
  });

  test('rejects a worker count below one', () => {
    const clock = new VirtualClock();
    const queue = new WorkQueue<string>({
      name: 'test',
      clock,
      backoff: exponentialBackoff({ baseMs: 1, maxMs: 1 }),
      poll: readinessPollSchedule({ startMs: 1, maxMs: 1 }),
    });
    const signal = new AbortController().signal;
    expect(() => runController({ queue, workers: 0, clock, signal, log: recordingLogger([]), reconcile: async () => Result.done() })).toThrow(
      ControllerOptionsError,
    );
  });
});
