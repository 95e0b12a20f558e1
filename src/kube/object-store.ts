// The forward-only object store (upstream's private contentStore, `StoreObjectUpdate`): keyed by
// name (all our kinds are cluster-scoped), it accepts an object only if its resourceVersion,
// compared as a base-10 integer, is not older than the stored one. The reconciler feeds both
// informer objects and its own write responses into it, so a stale informer event never causes a
// repeated operation. Stored objects are frozen (stored-object.ts): structuredClone before editing.

import { parseResourceVersion, toStoredObject } from './stored-object.js';
import type { KubeObject } from './types.js';

export class ObjectStore<T extends KubeObject> {
  readonly #objects = new Map<string, { readonly obj: T; readonly rv: bigint }>();

  /**
   * Stores obj unless the stored copy is strictly newer; returns whether it was accepted.
   * Equal versions are accepted (upstream: "equal or newer"). Throws InvalidResourceVersionError
   * for a non-integer resourceVersion (the object is then not stored).
   *
   * An object with a deletionTimestamp and no finalizer left no longer exists (the apiserver
   * removes it in the write that dropped the last finalizer): it is forgotten, never stored. The
   * reconciler's finalizer-removal response often arrives after the watch's DELETED event, and
   * storing it then kept a ghost entry for ever (found by the contents-by-state gauge).
   */
  observe(obj: T): boolean {
    const rv = parseResourceVersion(obj);
    const name = obj.metadata.name;
    const current = this.#objects.get(name);
    if (current !== undefined && current.rv > rv) return false;
    if (obj.metadata.deletionTimestamp !== undefined && (obj.metadata.finalizers ?? []).length === 0) {
      this.#objects.delete(name);
      return false;
    }
    this.#objects.set(name, { obj: toStoredObject(obj), rv });
    return true;
  }

  get(name: string): T | undefined {
    return this.#objects.get(name)?.obj;
  }

  /** Returns whether something was stored under name. */
  delete(name: string): boolean {
    return this.#objects.delete(name);
  }

  list(): readonly T[] {
    return Array.from(this.#objects.values(), (e) => e.obj);
  }

  get size(): number {
    return this.#objects.size;
  }
}
