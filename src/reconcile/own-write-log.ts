// The resource versions this process wrote, per object, so the watch events of our own writes
// are recognised and do not trigger syncs. Bounded: only the last few versions per object are
// kept (an event older than those is stale anyway and the store rejects it).

import type { OwnWrites } from '../effects/ports.js';

const KEEP_PER_OBJECT = 4;

export class OwnWriteLog implements OwnWrites {
  readonly #byName = new Map<string, string[]>();

  record(name: string, resourceVersion: string | undefined): void {
    if (resourceVersion === undefined || resourceVersion === '') return;
    const list = this.#byName.get(name) ?? [];
    list.push(resourceVersion);
    if (list.length > KEEP_PER_OBJECT) list.shift();
    this.#byName.set(name, list);
  }

  isOwn(name: string, resourceVersion: string): boolean {
    return this.#byName.get(name)?.includes(resourceVersion) ?? false;
  }

  forget(name: string): void {
    this.#byName.delete(name);
  }
}
