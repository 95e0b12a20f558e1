// The informer supervisor: list, then watch from the list's resourceVersion, forever. The list is
// a streaming list where the server has it (client-go's WatchList, as upstream v8.6 does): one
// watch with sendInitialEvents=true delivers every object and then goes on as the watch, so a
// start costs one request instead of a page per 500 objects, each waiting for the QPS bucket, and
// never holds a whole page in memory. A server that refuses it (WatchList disabled: 4xx) gets a
// paginated LIST from then on. It is our
// own list/watch loop on KubeTransport rather than client-node's ListWatch, because ListWatch stops
// for good on any error (T3), cannot send allowWatchBookmarks/timeoutSeconds (T4), has no "synced"
// signal, passes update handlers only the new object, skips unparseable lines silently, and
// cannot be aborted while connecting. Guarantees:
// - every failure (list or watch error, ERROR event, end of stream, a connection silent past the
//   watch's own timeoutSeconds) leads to a restart after a jittered back-off (1 s → 30 s); the
//   loop ends only when `run`'s signal aborts. A healthy idle watch is never restarted early;
// - 410 Gone (HTTP or ERROR event) relists; objects missing from the relist are delivered as
//   DELETED with the last known object;
// - handlers get (type, old, new) where old is our cached copy; cached objects are frozen.
// This module is the list/watch session; the cache and the fan-out to handlers are
// informer-cache.ts, the paginated LIST list-pager.ts, the failure log list-watch-failures.ts.

import type { Clock } from '../base/clock.js';
import { CodedError } from '../base/coded-error.js';
import { nullLogger, type Logger } from '../observability/logger.js';
import { InformerCache, type InformerHandler } from './informer-cache.js';
import { KubeApiError, KubeRequestError, isGone, type KubeStatus } from './kube-api-error.js';
import type { KubeTransport } from './kube-transport.js';
import type { ResourceClient } from './resource-client.js';
import { listAllPages } from './list-pager.js';
import { ListWatchFailureLog } from './list-watch-failures.js';
import { collectionPath } from './resources.js';
import { toStoredObject } from './stored-object.js';
import type { KubeObject } from './types.js';
import { readWatchEvents, type WatchEvent } from './watch-stream.js';

/** client-go reflector: a watch that ends sooner than this with no event is an error. */
const VERY_SHORT_WATCH_MS = 1000;

/** The annotation of the bookmark that ends the initial events of a streaming list (KEP-3157). */
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** A server without WatchList answers a sendInitialEvents watch with 400/422 (403 is RBAC: retried). */
function refusesStreamingList(err: unknown): boolean {
  return err instanceof KubeApiError && (err.httpStatus === 400 || err.httpStatus === 422 || err.httpStatus === 501);
}

class StreamingListIgnored extends CodedError<'StreamingListIgnored'> {
  override readonly name = 'StreamingListIgnored';

  constructor() {
    super('StreamingListIgnored', 'the API server ignored sendInitialEvents (a bookmark came before the initial-events-end one)');
  }
}

// Handlers are part of the informer's public face; their types live with the fan-out.
export type { InformerEventType, InformerHandler } from './informer-cache.js';

export interface InformerOptions<T extends KubeObject> {
  readonly client: ResourceClient<T>;
  readonly transport: KubeTransport;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Server-side filter, e.g. `snapshot.storage.kubernetes.io/managed-by=<node>`. */
  readonly labelSelector?: string;
  /**
   * LIST page size. Default 500 (client-go's pager). Measured at 10k contents (bench W3): pages of
   * 2500 fit the default QPS burst and cut the first write's wait after a start from ~1 s to
   * 0.04 s, but RSS at rest grew from 213 to 324 MiB (one resourceVersion=0 list: 374 MiB); a
   * persistent memory cost loses to a one-time start-up delay.
   */
  readonly pageSize?: number;
  /** Try the streaming list first (default true); false: always LIST pages, then watch. */
  readonly streamingList?: boolean;
  /**
   * A watch is stalled when no byte has come for its timeoutSeconds plus this grace (default 30 s).
   * A healthy server ends every watch by its timeoutSeconds (client-go's reflector then simply
   * watches again), so a healthy idle watch is never restarted (each restart of a streaming list
   * is a new list); a dead connection still is. Bookmarks are no heartbeat: kube-apiserver v1.37.2
   * offers one every 60 s but sends it only when the resource's watch cache has moved past the
   * watch's resourceVersion (cacher/cache_watcher.go), so a fresh watch on an idle CRD went more
   * than 90 s without a byte (measured in the test world; issue 13 item 10).
   */
  readonly stallGraceMs?: number;
  /** How long a watch request may wait for the response headers (default 60 s). */
  readonly watchHeadersTimeoutMs?: number;
  /** Watch `timeoutSeconds` is drawn from [min, max]. Default 300–600 (client-go reflector). */
  readonly watchTimeoutSeconds?: { readonly min: number; readonly max: number };
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** [0, 1) source for jitter; injectable for tests. */
  readonly random?: () => number;
}

export class Informer<T extends KubeObject> {
  readonly #o: Required<Omit<InformerOptions<T>, 'labelSelector' | 'logger' | 'streamingList'>> & { labelSelector: string | undefined };
  readonly #log: Logger;
  readonly #cache: InformerCache<T>;
  readonly #resource: string;
  #rv = '';
  #needList = true;
  /** Whether the next list is a streaming one; cleared for good when the server refuses it. */
  #streaming: boolean;
  #watchEvents = 0;
  /** Monotonic time the current watch was opened. */
  #watchStartedAt = 0;
  #running = false;
  readonly #failures: ListWatchFailureLog;

  constructor(options: InformerOptions<T>) {
    this.#streaming = options.streamingList ?? true;
    this.#o = {
      client: options.client,
      transport: options.transport,
      clock: options.clock,
      labelSelector: options.labelSelector,
      pageSize: options.pageSize ?? 500,
      stallGraceMs: options.stallGraceMs ?? 30_000,
      watchHeadersTimeoutMs: options.watchHeadersTimeoutMs ?? 60_000,
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? { min: 300, max: 600 },
      backoff: options.backoff ?? { initialMs: 1000, maxMs: 30_000 },
      random: options.random ?? Math.random,
    };
    const r = options.client.resource;
    this.#resource = `${r.plural}.${r.group}`;
    this.#log = (options.logger ?? nullLogger).with({ informer: this.#resource });
    this.#cache = new InformerCache<T>(this.#log);
    this.#failures = new ListWatchFailureLog(this.#log, this.#resource);
  }

  /** Registers a handler; returns its removal. Handlers must not throw (a throw is logged). */
  onEvent(handler: InformerHandler<T>): () => void {
    return this.#cache.onEvent(handler);
  }

  /** True once the first LIST completed and its events were delivered. */
  hasSynced(): boolean {
    return this.#cache.hasSynced();
  }

  waitForSync(signal: AbortSignal): Promise<void> {
    return this.#cache.waitForSync(signal);
  }

  get(name: string): T | undefined {
    return this.#cache.get(name);
  }

  list(): readonly T[] {
    return this.#cache.list();
  }

  /** The resourceVersion the next watch resumes from (last list, event or bookmark). */
  get resourceVersion(): string {
    return this.#rv;
  }

  /** Lists and watches until signal aborts; API failures never end it (they are retried). Call once. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`informer for ${this.#resource} is already running`);
    this.#running = true;
    let failures = 0;
    while (!signal.aborted) {
      let delayMs: number;
      this.#watchEvents = 0;
      try {
        const streamed = this.#needList && this.#streaming && (await this.#streamingListAndWatch(signal));
        if (!streamed) {
          if (this.#needList) await this.#relist(signal);
          await this.#watchOnce(signal, undefined);
        }
        // client-go's reflector: a watch the server ended is healthy (resume at once) unless it
        // ended within a second with no event ("very short watch"): that one backs off.
        if (this.#watchEvents > 0 || this.#o.clock.monotonic() - this.#watchStartedAt >= VERY_SHORT_WATCH_MS) {
          failures = 0;
          continue;
        }
        this.#log.v(4).info('watch closed at once without events; backing off');
        delayMs = this.#backoffMs(failures++);
      } catch (err) {
        if (signal.aborted) break;
        if (this.#watchEvents > 0) failures = 0;
        if (isGone(err)) {
          this.#log.v(2).info('resourceVersion expired (410); relisting', { resourceVersion: this.#rv });
          this.#needList = true;
          delayMs = failures === 0 ? 0 : this.#backoffMs(failures);
          failures++;
        } else {
          this.#failures.report(err);
          const retryAfterMs = err instanceof KubeApiError ? (err.retryAfterMs ?? 0) : 0;
          delayMs = Math.max(this.#backoffMs(failures++), retryAfterMs);
        }
      }
      if (delayMs > 0) {
        try {
          await this.#o.clock.sleep(delayMs, signal);
        } catch {
          break; // aborted
        }
      }
    }
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const listed = await listAllPages(this.#o.client, { labelSelector: this.#o.labelSelector, pageSize: this.#o.pageSize, signal });
    this.#replaceAll(listed.objects, listed.resourceVersion);
  }

  /** A completed list: the cache becomes it, and the next watch resumes from its resourceVersion. */
  #replaceAll(listed: ReadonlyMap<string, T>, rv: string): void {
    const firstSync = this.#cache.replaceAll(listed);
    this.#rv = rv;
    this.#needList = false;
    this.#failures.reset();
    if (firstSync) this.#log.v(2).info('informer synced', { objects: this.#cache.size, resourceVersion: rv });
  }

  /**
   * A streaming list and the watch it becomes. False when the server refused or ignored it before
   * the first object: streaming is then off for good and the caller lists with LIST pages.
   */
  async #streamingListAndWatch(signal: AbortSignal): Promise<boolean> {
    try {
      await this.#watchOnce(signal, new Map<string, T>());
      return true;
    } catch (err) {
      const refused = err instanceof StreamingListIgnored || (this.#watchEvents === 0 && refusesStreamingList(err));
      if (!this.#needList || !refused) throw err;
      this.#streaming = false;
      this.#log.v(2).info('the API server refused a streaming list (WatchList); using paginated LIST', { err });
      return false;
    }
  }

  /** One watch; with `initial`, it first collects the initial events of a streaming list there. */
  async #watchOnce(signal: AbortSignal, initial: Map<string, T> | undefined): Promise<void> {
    const { min, max } = this.#o.watchTimeoutSeconds;
    const timeoutSeconds = Math.floor(min + this.#o.random() * (max - min + 1));
    const stallMs = timeoutSeconds * 1000 + this.#o.stallGraceMs;
    this.#watchStartedAt = this.#o.clock.monotonic();
    const path = collectionPath(this.#o.client.resource);
    const stream = await this.#o.transport.openStream({
      method: 'GET',
      path,
      query: {
        watch: true,
        ...(initial !== undefined
          ? { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' }
          : { resourceVersion: this.#rv === '' ? undefined : this.#rv }),
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: this.#o.labelSelector,
      },
      signal,
      timeoutMs: this.#o.watchHeadersTimeoutMs,
    });
    try {
      await readWatchEvents(stream, {
        clock: this.#o.clock,
        stallMs,
        path,
        onEvent: (event) => this.#apply(event, path, initial),
      });
    } finally {
      stream.dispose();
    }
  }

  #apply(event: WatchEvent, path: string, initial: Map<string, T> | undefined): void {
    if (event.type === 'ERROR') {
      const status = event.object as KubeStatus;
      throw new KubeApiError({ method: 'WATCH', path, code: status.code ?? 500, status });
    }
    const obj = event.object as unknown as T;
    // A bookmark of a custom resource carries no name (only resourceVersion and annotations).
    const name: unknown = event.type === 'BOOKMARK' ? (obj.metadata?.name ?? '') : obj.metadata?.name;
    const rv: unknown = obj.metadata?.resourceVersion;
    if (typeof name !== 'string' || typeof rv !== 'string') {
      throw new KubeRequestError({ code: 'InvalidResponse', method: 'WATCH', path });
    }
    this.#watchEvents++;
    if (this.#watchEvents === 1) this.#failures.reset();
    if (initial !== undefined && this.#needList) {
      this.#collectInitial(event, obj, name, rv, initial);
      return;
    }
    this.#rv = rv;
    switch (event.type) {
      case 'BOOKMARK':
        return;
      case 'ADDED':
      case 'MODIFIED':
        this.#cache.upsert(name, obj);
        return;
      case 'DELETED':
        this.#cache.remove(name, obj);
        return;
    }
  }

  /** Before the initial-events-end bookmark every event is part of the streamed list. */
  #collectInitial(event: WatchEvent, obj: T, name: string, rv: string, initial: Map<string, T>): void {
    switch (event.type) {
      case 'BOOKMARK':
        // A server older than sendInitialEvents (< 1.27) ignores it: its first bookmark lacks the mark.
        if (obj.metadata.annotations?.[INITIAL_EVENTS_END] !== 'true') throw new StreamingListIgnored();
        this.#replaceAll(initial, rv);
        initial.clear();
        return;
      case 'ADDED':
      case 'MODIFIED':
        initial.set(name, toStoredObject(obj));
        return;
      case 'DELETED':
        initial.delete(name);
        return;
    }
  }

  #backoffMs(failures: number): number {
    const { initialMs, maxMs } = this.#o.backoff;
    const capped = Math.min(maxMs, initialMs * 2 ** Math.min(failures, 30));
    return capped * (0.5 + 0.5 * this.#o.random());
  }
}
