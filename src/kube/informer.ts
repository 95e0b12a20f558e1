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

import type { Clock } from '../base/clock.js';
import { CodedError } from '../base/coded-error.js';
import { nullLogger, type Logger } from '../observability/logger.js';
import { KubeApiError, KubeRequestError, isForbidden, isGone, isNotFound, type KubeStatus } from './kube-api-error.js';
import type { KubeTransport } from './kube-transport.js';
import type { ResourceClient } from './resource-client.js';
import { collectionPath } from './resources.js';
import { toStoredObject } from './stored-object.js';
import type { KubeObject } from './types.js';
import { readWatchEvents, WatchStalledError, type WatchEvent } from './watch-stream.js';

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

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** DELETED: newObj is the final state (from the watch, or our last copy after a relist). */
export type InformerHandler<T> = (type: InformerEventType, oldObj: T | undefined, newObj: T) => void;

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
  readonly #cache = new Map<string, T>();
  readonly #handlers = new Set<InformerHandler<T>>();
  readonly #synced = Promise.withResolvers<void>();
  readonly #resource: string;
  #hasSynced = false;
  #rv = '';
  #needList = true;
  /** Whether the next list is a streaming one; cleared for good when the server refuses it. */
  #streaming: boolean;
  #watchEvents = 0;
  /** Monotonic time the current watch was opened. */
  #watchStartedAt = 0;
  #running = false;
  readonly #reported = new Set<string>();

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
  }

  /** Registers a handler; returns its removal. Handlers must not throw (a throw is logged). */
  onEvent(handler: InformerHandler<T>): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** True once the first LIST completed and its events were delivered. */
  hasSynced(): boolean {
    return this.#hasSynced;
  }

  waitForSync(signal: AbortSignal): Promise<void> {
    if (this.#hasSynced) return Promise.resolve();
    signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      void this.#synced.promise.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  get(name: string): T | undefined {
    return this.#cache.get(name);
  }

  list(): readonly T[] {
    return [...this.#cache.values()];
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
          this.#report(err);
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
    const listed = new Map<string, T>();
    let limit: number | undefined = this.#o.pageSize;
    let cont: string | undefined;
    let rv = '';
    for (;;) {
      let page;
      try {
        page = await this.#o.client.list({ labelSelector: this.#o.labelSelector, limit, continue: cont, signal });
      } catch (err) {
        if (cont === undefined || !isGone(err)) throw err;
        // The continue token expired mid-pagination (client-go pager): one unpaginated list.
        listed.clear();
        cont = undefined;
        limit = undefined;
        continue;
      }
      for (const item of page.items) listed.set(item.metadata.name, toStoredObject(item));
      rv = page.resourceVersion;
      cont = page.continue;
      if (cont === undefined) break;
    }
    this.#replaceAll(listed, rv);
  }

  /** Makes the cache the listed state: missing objects DELETED, new ADDED, changed MODIFIED. */
  #replaceAll(listed: ReadonlyMap<string, T>, rv: string): void {
    for (const [name, old] of this.#cache) {
      if (!listed.has(name)) {
        this.#cache.delete(name);
        this.#emit('DELETED', old, old);
      }
    }
    for (const [name, obj] of listed) {
      const old = this.#cache.get(name);
      this.#cache.set(name, obj);
      if (old === undefined) this.#emit('ADDED', undefined, obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.#emit('MODIFIED', old, obj);
    }
    this.#rv = rv;
    this.#needList = false;
    this.#reported.clear();
    if (!this.#hasSynced) {
      this.#hasSynced = true;
      this.#synced.resolve();
      this.#log.v(2).info('informer synced', { objects: this.#cache.size, resourceVersion: rv });
    }
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
    if (this.#watchEvents === 1) this.#reported.clear();
    if (initial !== undefined && this.#needList) {
      this.#collectInitial(event, obj, name, rv, initial);
      return;
    }
    this.#rv = rv;
    switch (event.type) {
      case 'BOOKMARK':
        return;
      case 'ADDED':
      case 'MODIFIED': {
        const stored = toStoredObject(obj);
        const old = this.#cache.get(name);
        this.#cache.set(name, stored);
        this.#emit(old === undefined ? 'ADDED' : 'MODIFIED', old, stored);
        return;
      }
      case 'DELETED': {
        const old = this.#cache.get(name);
        this.#cache.delete(name);
        this.#emit('DELETED', old, toStoredObject(obj));
        return;
      }
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

  #emit(type: InformerEventType, oldObj: T | undefined, newObj: T): void {
    for (const handler of this.#handlers) {
      try {
        handler(type, oldObj, newObj);
      } catch (err) {
        this.#log.error('informer event handler threw', { err, type, name: newObj.metadata.name });
      }
    }
  }

  #backoffMs(failures: number): number {
    const { initialMs, maxMs } = this.#o.backoff;
    const capped = Math.min(maxMs, initialMs * 2 ** Math.min(failures, 30));
    return capped * (0.5 + 0.5 * this.#o.random());
  }

  /** Logs a list/watch failure: the first of each kind at warning level with a remedy, repeats at V(2). */
  #report(err: unknown): void {
    const key = err instanceof KubeApiError ? `http-${err.code}` : err instanceof Error ? err.name : 'unknown';
    const first = !this.#reported.has(key);
    this.#reported.add(key);
    if (err instanceof WatchStalledError) {
      this.#log.v(2).info('watch stalled; restarting', { reason: err.message });
      return;
    }
    const fields = { err, resource: this.#resource };
    if (!first) {
      this.#log.v(2).info('list/watch failed again; retrying', fields);
    } else if (isForbidden(err)) {
      this.#log.warn(
        `list/watch of ${this.#resource} is forbidden: grant the verbs "list" and "watch" on ${this.#resource} ` +
          "to the sidecar's service account (ClusterRole external-snapshotter-runner); retrying",
        fields,
      );
    } else if (isNotFound(err)) {
      this.#log.warn(
        `the API server does not serve ${this.#resource}: the CRD is not installed; install the ` +
          'external-snapshotter CRDs (client/config/crd); retrying',
        fields,
      );
    } else {
      this.#log.warn('list/watch failed; retrying with back-off', fields);
    }
  }
}
