// core/v1 Events about our cluster-scoped objects, with client-go's legacy recorder semantics:
// Event objects live in namespace `default`; source.component = "csi-snapshotter <driver>"; the
// same (object, type, reason, message) within the aggregation window bumps `count` and
// `lastTimestamp` of the existing Event by PATCH instead of creating another; a per-object spam
// filter (token bucket: burst 25, refill 1 per 5 min) drops floods. Recording is best effort:
// `record` never throws or blocks, writes run one at a time in the background, failures are
// logged. All per-object state is bounded by LRU maps.

import type { Clock } from '../base/clock.js';
import { nullLogger, type Logger } from '../observability/logger.js';
import { isNotFound } from './kube-api-error.js';
import type { KubeTransport } from './kube-transport.js';
import { LruMap } from './lru-map.js';

export type EventType = 'Normal' | 'Warning';

/** involvedObject of the Event (effects/ports.ts EventSink takes the same type). */
export interface InvolvedObject {
  readonly kind: string;
  readonly apiVersion: string;
  readonly name: string;
  readonly uid?: string | undefined;
  readonly resourceVersion?: string | undefined;
}

export interface RecordedEvent {
  readonly target: InvolvedObject;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

export interface EventRecorderOptions {
  readonly transport: KubeTransport;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** source.component, upstream: `csi-snapshotter <driverName>`. */
  readonly component: string;
  /** Default `default` (client-go's namespace for events of cluster-scoped objects). */
  readonly namespace?: string;
  /** Default 10 min. */
  readonly aggregationWindowMs?: number;
  /** Default 4096 (client-go maxLruCacheEntries). */
  readonly cacheEntries?: number;
  readonly spamBurst?: number;
  readonly spamRefillIntervalMs?: number;
  /** Events waiting to be written beyond this are dropped (and logged). Default 1000. */
  readonly maxPending?: number;
}

const MAX_MESSAGE_CHARS = 1024; // events.k8s.io's note limit; bounds the aggregation keys too
const MAX_NAME_CHARS = 253;

interface Aggregate {
  readonly eventName: string;
  readonly count: number;
  readonly firstTimestamp: string;
  readonly lastMs: number;
}

interface Bucket {
  tokens: number;
  lastRefillMs: number;
}

export class EventRecorder {
  readonly #transport: KubeTransport;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #component: string;
  readonly #namespace: string;
  readonly #windowMs: number;
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #maxPending: number;
  readonly #aggregates: LruMap<string, Aggregate>;
  readonly #buckets: LruMap<string, Bucket>;
  readonly #abort = new AbortController();
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  #seq = 0n;

  constructor(options: EventRecorderOptions) {
    this.#transport = options.transport;
    this.#clock = options.clock;
    this.#log = options.logger ?? nullLogger;
    this.#component = options.component;
    this.#namespace = options.namespace ?? 'default';
    this.#windowMs = options.aggregationWindowMs ?? 10 * 60_000;
    this.#burst = options.spamBurst ?? 25;
    this.#refillMs = options.spamRefillIntervalMs ?? 5 * 60_000;
    this.#maxPending = options.maxPending ?? 1000;
    const entries = options.cacheEntries ?? 4096;
    this.#aggregates = new LruMap(entries);
    this.#buckets = new LruMap(entries);
  }

  /** Queues an Event; never throws. */
  record(event: RecordedEvent): void {
    if (this.#abort.signal.aborted) return;
    if (!this.#allowedBySpamFilter(event.target)) {
      this.#log.v(4).info('event dropped by the spam filter', { name: event.target.name, reason: event.reason });
      return;
    }
    if (this.#pending >= this.#maxPending) {
      this.#log.warn('event dropped: too many events waiting to be written', { name: event.target.name, reason: event.reason });
      return;
    }
    this.#pending++;
    this.#tail = this.#tail.then(async () => {
      try {
        await this.#write(event);
      } catch (err) {
        if (!this.#abort.signal.aborted) {
          this.#log.warn('failed to record event', { err, name: event.target.name, reason: event.reason });
        }
      } finally {
        this.#pending--;
      }
    });
  }

  /** Resolves when every event recorded so far was written (or failed), or when signal aborts. */
  async flush(signal: AbortSignal): Promise<void> {
    const done = this.#tail;
    await new Promise<void>((resolve) => {
      const onAbort = (): void => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      void done.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** record() of a Warning (the shape effects/ports.ts EventSink expects). */
  warning(target: InvolvedObject, reason: string, message: string): void {
    this.record({ target, type: 'Warning', reason, message });
  }

  normal(target: InvolvedObject, reason: string, message: string): void {
    this.record({ target, type: 'Normal', reason, message });
  }

  /** Stops recording: cancels the write in flight, drops queued ones, waits for the chain to end. */
  async close(): Promise<void> {
    this.#abort.abort(new Error('event recorder closed'));
    await this.#tail;
  }

  async #write(event: RecordedEvent): Promise<void> {
    const signal = this.#abort.signal;
    if (signal.aborted) return;
    const message = event.message.length > MAX_MESSAGE_CHARS ? `${event.message.slice(0, MAX_MESSAGE_CHARS - 3)}...` : event.message;
    const t = event.target;
    const key = [t.kind, t.name, t.uid ?? '', event.type, event.reason, message].join('\u0000');
    const nowMs = this.#clock.now();
    const timestamp = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const previous = this.#aggregates.get(key);
    if (previous !== undefined && nowMs - previous.lastMs < this.#windowMs) {
      const count = previous.count + 1;
      try {
        await this.#transport.requestJson({
          method: 'PATCH',
          path: `${this.#eventsPath()}/${encodeURIComponent(previous.eventName)}`,
          body: { count, lastTimestamp: timestamp, message },
          contentType: 'application/merge-patch+json',
          signal,
        });
        this.#aggregates.set(key, { ...previous, count, lastMs: nowMs });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err; // the Event expired (TTL 1 h): create a new one
      }
    }
    const eventName = this.#eventName(t.name, nowMs);
    await this.#transport.requestJson({
      method: 'POST',
      path: this.#eventsPath(),
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: eventName, namespace: this.#namespace },
        involvedObject: {
          kind: t.kind,
          apiVersion: t.apiVersion,
          name: t.name,
          uid: t.uid,
          resourceVersion: t.resourceVersion,
        },
        reason: event.reason,
        message,
        type: event.type,
        source: { component: this.#component },
        firstTimestamp: timestamp,
        lastTimestamp: timestamp,
        count: 1,
      },
      signal,
    });
    this.#aggregates.set(key, { eventName, count: 1, firstTimestamp: timestamp, lastMs: nowMs });
  }

  #allowedBySpamFilter(t: InvolvedObject): boolean {
    const key = [t.kind, t.name, t.uid ?? ''].join('\u0000');
    const now = this.#clock.monotonic();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, lastRefillMs: now };
    const refills = Math.floor((now - bucket.lastRefillMs) / this.#refillMs);
    if (refills > 0) {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + refills);
      bucket.lastRefillMs += refills * this.#refillMs;
    }
    if (bucket.tokens >= this.#burst) bucket.lastRefillMs = now; // a full bucket accrues nothing
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens--;
    this.#buckets.set(key, bucket);
    return allowed;
  }

  #eventsPath(): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.#namespace)}/events`;
  }

  /** client-go: `<object name>.<unix nanos in hex>`; a sequence keeps same-millisecond names apart. */
  #eventName(objectName: string, nowMs: number): string {
    const suffix = (BigInt(nowMs) * 1_000_000n + (this.#seq++ % 1_000_000n)).toString(16);
    return `${objectName.slice(0, MAX_NAME_CHARS - suffix.length - 1)}.${suffix}`;
  }
}
