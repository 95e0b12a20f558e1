// The informer's local state and its fan-out: the objects last listed or watched (frozen, by
// name), the handlers that get every change as (type, old, new), and the "synced" signal. The
// list/watch session (informer.ts) decides what the server said; this module turns it into cache
// changes and handler calls, so a handler's old object is always our cached copy and a DELETED
// from a relist carries the last object we knew.

import type { Logger } from '../observability/logger.js';
import { toStoredObject } from './stored-object.js';
import type { KubeObject } from './types.js';

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** DELETED: newObj is the final state (from the watch, or our last copy after a relist). */
export type InformerHandler<T> = (type: InformerEventType, oldObj: T | undefined, newObj: T) => void;

export class InformerCache<T extends KubeObject> {
  readonly #objects = new Map<string, T>();
  readonly #handlers = new Set<InformerHandler<T>>();
  readonly #synced = Promise.withResolvers<void>();
  readonly #log: Logger;
  #hasSynced = false;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Registers a handler; returns its removal. Handlers must not throw (a throw is logged). */
  onEvent(handler: InformerHandler<T>): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** True once the first list was applied and its events were delivered. */
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
    return this.#objects.get(name);
  }

  list(): readonly T[] {
    return [...this.#objects.values()];
  }

  get size(): number {
    return this.#objects.size;
  }

  /**
   * Makes the cache the listed state (objects already stored): missing objects DELETED, new ADDED,
   * changed MODIFIED; then the cache is synced. Returns whether this was the first sync.
   */
  replaceAll(listed: ReadonlyMap<string, T>): boolean {
    for (const [name, old] of this.#objects) {
      if (!listed.has(name)) {
        this.#objects.delete(name);
        this.#emit('DELETED', old, old);
      }
    }
    for (const [name, obj] of listed) {
      const old = this.#objects.get(name);
      this.#objects.set(name, obj);
      if (old === undefined) this.#emit('ADDED', undefined, obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.#emit('MODIFIED', old, obj);
    }
    if (this.#hasSynced) return false;
    this.#hasSynced = true;
    this.#synced.resolve();
    return true;
  }

  /** A watched ADDED or MODIFIED: which one the handlers see follows our cache, not the server. */
  upsert(name: string, obj: T): void {
    const stored = toStoredObject(obj);
    const old = this.#objects.get(name);
    this.#objects.set(name, stored);
    this.#emit(old === undefined ? 'ADDED' : 'MODIFIED', old, stored);
  }

  /** A watched DELETED: `final` is the object as the server last had it. */
  remove(name: string, final: T): void {
    const old = this.#objects.get(name);
    this.#objects.delete(name);
    this.#emit('DELETED', old, toStoredObject(final));
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
}
