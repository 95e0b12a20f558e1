// The resource versions this process wrote, per object: the event source's memory of our own
// writes (see content-event-source.ts for the whole rule). The writer only records into it,
// through the narrow OwnWriteRecorder port; only the event source reads it and forgets an object.
// Bounded: only the last few versions per object are kept (an event older than those is stale
// anyway and the store rejects it).

import type { OwnWriteRecorder } from '../effects/ports.js';

const KEEP_PER_OBJECT = 4;

/** The event source's side: what it asks of the log. */
export interface OwnWrites extends OwnWriteRecorder {
  isOwn(name: string, resourceVersion: string): boolean;
  forget(name: string): void;
}

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
