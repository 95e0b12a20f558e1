// The work queue: client-go's workqueue contract (fair, stingy, one worker per key, re-adds while
// processing are requeued on done, shutdown notice) plus delayed adds, per-key error back-off, the
// readiness-poll schedule and two priorities (new/changed objects before resync, upstream #1148).
// One Map<key, Entry> holds everything about a key, so a direct add can never leave a stale delayed
// add behind, and an entry that is neither queued, waiting nor processing is deleted: its failure
// and poll counts cannot leak even when a caller forgets to call forget(). So delays, back-off and
// the FIFO/processing sets stay together in this one state machine over the map (the policies are
// backoff.ts and poll-schedule.ts, the record queue-entry.ts, blocked callers waiter-list.ts).

import type { Clock } from '../base/clock.js';
import type { BackoffPolicy } from './backoff.js';
import { KeyFifo } from './key-fifo.js';
import { higher, newEntry, rank, type Entry, type Priority } from './queue-entry.js';
import type { PollSchedule } from './poll-schedule.js';
import { WaiterList } from './waiter-list.js';
import {
  noopWorkQueueMetricsProvider,
  type InFlightStats,
  type WorkQueueMetrics,
  type WorkQueueMetricsProvider,
} from './work-queue-metrics.js';

export type { Priority } from './queue-entry.js';

export type DrainOutcome = 'drained' | 'aborted';

export interface WorkQueueOptions {
  /** Upstream's queue name, the `name` label of the workqueue metrics. */
  readonly name: string;
  readonly clock: Clock;
  /** Error back-off (--retry-interval-start/max). */
  readonly backoff: BackoffPolicy;
  /** Readiness-poll schedule (--poll-interval-start/max). */
  readonly poll: PollSchedule;
  readonly metrics?: WorkQueueMetricsProvider;
}

export class WorkQueue<K extends string> {
  private readonly entries = new Map<K, Entry>();
  private readonly ready: Readonly<Record<Priority, KeyFifo<K>>> = { high: new KeyFifo(), low: new KeyFifo() };
  private readyCount = 0;
  private processingCount = 0;
  private nextTicket = 0;
  private readonly waiters = new WaiterList<K | undefined>();
  private readonly drainWaiters = new WaiterList<DrainOutcome>();
  private shuttingDown = false;
  private readonly clock: Clock;
  private readonly backoff: BackoffPolicy;
  private readonly pollSchedule: PollSchedule;
  private readonly metrics: WorkQueueMetrics;

  constructor(options: WorkQueueOptions) {
    this.clock = options.clock;
    this.backoff = options.backoff;
    this.pollSchedule = options.poll;
    this.metrics = (options.metrics ?? noopWorkQueueMetricsProvider)(options.name);
    this.metrics.bindInFlight(() => this.inFlight());
  }

  /** Queues key now (collapsing with a queued copy, which keeps the higher priority). */
  add(key: K, priority: Priority = 'high'): void {
    if (this.shuttingDown) return;
    const e = this.entryFor(key);
    // A direct add is the earliest possible ready time: it replaces any delayed add.
    this.cancelDelay(e);
    if (e.dirty) {
      if (rank(priority) > rank(e.priority)) {
        e.priority = priority;
        if (!e.processing) this.pushReady(key, e);
      }
      return;
    }
    e.dirty = true;
    e.priority = priority;
    e.queuedAt = this.clock.monotonic();
    this.metrics.add();
    if (e.processing) return; // requeued by done()
    this.readyCount++;
    this.pushReady(key, e);
    this.metrics.depth(this.readyCount);
    this.pump();
  }

  /** Queues key after ms; the earliest pending ready time wins, and a queued key ignores it. */
  addAfter(key: K, ms: number, priority: Priority = 'high'): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(key, priority);
      return;
    }
    const e = this.entryFor(key);
    if (e.dirty) return; // already due now (or on done), which is earlier
    const readyAt = this.clock.monotonic() + ms;
    e.delayedPriority = e.readyAt === undefined ? priority : higher(priority, e.delayedPriority);
    if (e.readyAt !== undefined && e.readyAt <= readyAt) return;
    e.timer?.cancel();
    e.readyAt = readyAt;
    e.timer = this.clock.setTimer(() => this.fire(key, e), ms);
  }

  /** Requeues key after its error back-off (base·2^failures, capped) and counts the failure. */
  addRateLimited(key: K): void {
    if (this.shuttingDown) return;
    const e = this.entryFor(key);
    const delay = this.backoff.delayMs(e.failures);
    e.failures++;
    this.metrics.retry();
    this.addAfter(key, delay);
  }

  /**
   * Requeues key on the readiness-poll schedule. A poll is not a failure, so it clears the error
   * back-off. Poll n+1 follows only when poll n fell due: a key woken early (an update event or a
   * resync) that is still not ready keeps its earlier due time and count. A different `stage`
   * (e.g. 'create' then 'delete') restarts the schedule.
   */
  addPoll(key: K, stage = ''): void {
    if (this.shuttingDown) return;
    const e = this.entryFor(key);
    e.failures = 0;
    const now = this.clock.monotonic();
    const p = e.poll;
    if (p !== undefined && p.stage === stage && now < p.dueAt) {
      this.addAfter(key, p.dueAt - now);
      return;
    }
    const n = p !== undefined && p.stage === stage ? p.n + 1 : 0;
    const delay = this.pollSchedule.delayMs(n);
    e.poll = { n, stage, dueAt: now + delay };
    this.addAfter(key, delay);
  }

  /** Resets the error back-off and the poll schedule of key (the object is done or changed). */
  forget(key: K): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    e.failures = 0;
    e.poll = undefined;
  }

  /** Consecutive failures recorded by addRateLimited since the last forget. */
  numRequeues(key: K): number {
    return this.entries.get(key)?.failures ?? 0;
  }

  /** Index of the poll that is scheduled for key (0 = first), or undefined when not polling. */
  pollCount(key: K): number | undefined {
    return this.entries.get(key)?.poll?.n;
  }

  /**
   * Hands out the next key, high priority first, FIFO within a priority, and marks it processing
   * until done(key). Resolves undefined once the queue shuts down or the signal aborts.
   */
  get(signal?: AbortSignal): Promise<K | undefined> {
    if (this.shuttingDown || signal?.aborted) return Promise.resolve(undefined);
    const key = this.popReady();
    if (key !== undefined) return Promise.resolve(key);
    return this.waiters.wait(signal, undefined);
  }

  /** Ends processing of key; a key added meanwhile is queued again now. */
  done(key: K): void {
    const e = this.entries.get(key);
    if (e === undefined || !e.processing) return;
    e.processing = false;
    this.processingCount--;
    this.metrics.workDuration((this.clock.monotonic() - e.processingSince) / 1000);
    if (this.shuttingDown) {
      this.entries.delete(key);
      if (this.processingCount === 0) this.drainWaiters.wakeAll('drained');
      return;
    }
    if (e.dirty) {
      this.readyCount++;
      this.pushReady(key, e);
      this.metrics.depth(this.readyCount);
      this.pump();
    } else {
      this.deleteIfIdle(key, e);
    }
  }

  /** Keys ready to be handed out now (delayed and processing keys are not counted). */
  len(): number {
    return this.readyCount;
  }

  /** Keys the queue holds any state for (queued, waiting or processing): for leak checks. */
  trackedKeys(): number {
    return this.entries.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops handing out keys, drops queued and delayed keys, cancels timers, wakes blocked get()s. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const [key, e] of this.entries) {
      e.timer?.cancel();
      e.timer = undefined;
      e.readyAt = undefined;
      e.dirty = false;
      if (!e.processing) this.entries.delete(key);
    }
    this.ready.high.clear();
    this.ready.low.clear();
    this.readyCount = 0;
    this.metrics.depth(0);
    this.waiters.wakeAll(undefined);
  }

  /** shutDown(), then waits until every key being processed is done, or the signal aborts. */
  shutDownWithDrain(signal?: AbortSignal): Promise<DrainOutcome> {
    this.shutDown();
    if (this.processingCount === 0) return Promise.resolve('drained');
    if (signal?.aborted) return Promise.resolve('aborted');
    return this.drainWaiters.wait(signal, 'aborted');
  }

  /** The in-flight gauges, computed on demand (scrape time). */
  inFlight(): InFlightStats {
    const now = this.clock.monotonic();
    let total = 0;
    let longest = 0;
    for (const e of this.entries.values()) {
      if (!e.processing) continue;
      const running = now - e.processingSince;
      total += running;
      longest = Math.max(longest, running);
    }
    return { unfinishedWorkSeconds: total / 1000, longestRunningProcessorSeconds: longest / 1000 };
  }

  private entryFor(key: K): Entry {
    let e = this.entries.get(key);
    if (e === undefined) {
      e = newEntry();
      this.entries.set(key, e);
    }
    return e;
  }

  private fire(key: K, e: Entry): void {
    // The entry may have been replaced (deleted and re-created) since the timer was set.
    if (this.entries.get(key) !== e || e.readyAt === undefined) return;
    e.timer = undefined;
    e.readyAt = undefined;
    this.add(key, e.delayedPriority);
  }

  private cancelDelay(e: Entry): void {
    e.timer?.cancel();
    e.timer = undefined;
    e.readyAt = undefined;
  }

  private pushReady(key: K, e: Entry): void {
    e.ticket = ++this.nextTicket;
    this.ready[e.priority].push({ key, ticket: e.ticket });
  }

  private popReady(): K | undefined {
    for (const fifo of [this.ready.high, this.ready.low]) {
      for (let slot = fifo.shift(); slot !== undefined; slot = fifo.shift()) {
        const e = this.entries.get(slot.key);
        if (e === undefined || !e.dirty || e.processing || e.ticket !== slot.ticket) continue; // stale
        const now = this.clock.monotonic();
        e.dirty = false;
        e.processing = true;
        e.processingSince = now;
        this.readyCount--;
        this.processingCount++;
        this.metrics.depth(this.readyCount);
        this.metrics.queueDuration((now - e.queuedAt) / 1000);
        return slot.key;
      }
    }
    return undefined;
  }

  /** Hands ready keys straight to blocked get() callers, oldest caller first. */
  private pump(): void {
    while (this.waiters.size > 0 && this.readyCount > 0) {
      const key = this.popReady();
      if (key === undefined) return;
      this.waiters.wakeOne(key);
    }
  }

  private deleteIfIdle(key: K, e: Entry): void {
    if (!e.dirty && !e.processing && e.readyAt === undefined) this.entries.delete(key);
  }
}
