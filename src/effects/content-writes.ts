// Every API write the sidecar makes to a content, in one place. Rules (beating upstream §5.1):
// - no GET before a write: writes start from the cached object; a status write carries its
//   resourceVersion as a precondition and, on 409, re-reads and recomputes (bounded);
// - metadata patches touch only the key they own (one annotation by merge patch, one finalizer by
//   a test+remove JSON patch at its index), so a concurrent write by the snapshot-controller
//   survives; nothing rebuilds a whole annotation map or finalizer list from a cache;
// - no write when nothing changes;
// - every response's resourceVersion is recorded (OwnWriteRecorder), so the watch event of our own
//   write is not a sync (the whole rule: controller/content-event-source.ts).

import type { Clock } from '../base/clock.js';
import { CodedError } from '../base/coded-error.js';
import { isConflict, isInvalid, isNotFound } from '../kube/kube-api-error.js';
import type { KubeObject } from '../kube/types.js';
import type { ContentApi, OwnWriteRecorder } from './ports.js';

const MAX_CONFLICT_RETRIES = 3;

export class ContentGoneError extends CodedError<'CONTENT_GONE'> {
  override readonly name = 'ContentGoneError';
  constructor(name: string, options?: { readonly cause?: unknown }) {
    super('CONTENT_GONE', `content ${name} no longer exists`, options);
  }
}

export interface WriterDeps<T extends KubeObject> {
  readonly api: ContentApi<T>;
  readonly ownWrites: OwnWriteRecorder;
  readonly clock: Clock;
}

export class ContentWriter<T extends KubeObject> {
  readonly #deps: WriterDeps<T>;

  constructor(deps: WriterDeps<T>) {
    this.#deps = deps;
  }

  /** Adds (value) or removes (null) one annotation; a no-op when already so. */
  async setAnnotation(obj: T, key: string, value: string | null, signal: AbortSignal): Promise<T> {
    const current = obj.metadata.annotations?.[key];
    if ((value === null && current === undefined) || (value !== null && current === value)) return obj;
    const name = obj.metadata.name;
    return this.#recorded(
      name,
      this.#deps.api.patch(name, { type: 'merge', body: { metadata: { annotations: { [key]: value } } } }, { signal }),
    );
  }

  /**
   * Merges `compute(current)` into status with the current resourceVersion as precondition. On a
   * conflict the object is re-read and compute() runs again on the fresh copy (fill-only merges
   * therefore never overwrite what another writer set meanwhile).
   */
  async writeStatus(obj: T, compute: (current: T) => Readonly<Record<string, unknown>> | null, signal: AbortSignal): Promise<T> {
    let current = obj;
    for (let attempt = 0; ; attempt++) {
      const status = compute(current);
      if (status === null) return current;
      const name = current.metadata.name;
      try {
        const body = { metadata: { resourceVersion: current.metadata.resourceVersion }, status };
        return await this.#recorded(name, this.#deps.api.patch(name, { type: 'merge', body }, { subresource: 'status', signal }));
      } catch (err) {
        if (!isConflict(err) || attempt >= MAX_CONFLICT_RETRIES) throw err;
        current = await this.#get(name, signal);
      }
    }
  }

  /**
   * status.error + readyToUse=false, unless the same message is already there (upstream §3.6.2).
   * `errorOnly`: leave readyToUse alone (a failed delete says nothing about the snapshot's readiness).
   */
  async writeError(obj: T, message: string, signal: AbortSignal, errorOnly = false): Promise<{ readonly object: T; readonly changed: boolean }> {
    let changed = false;
    const object = await this.writeStatus(
      obj,
      (cur) => {
        const st = (cur as { readonly status?: { readonly error?: { readonly message?: string } } }).status;
        if (st?.error?.message === message) return null;
        changed = true;
        const time = new Date(Math.floor(this.#deps.clock.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
        return errorOnly ? { error: { time, message } } : { error: { time, message }, readyToUse: false };
      },
      signal,
    );
    return { object, changed };
  }

  /** Removes one finalizer by index with a `test` guard; re-reads and retries if the list moved. */
  async removeFinalizer(obj: T, finalizer: string, signal: AbortSignal): Promise<T> {
    let current = obj;
    for (let attempt = 0; ; attempt++) {
      const index = (current.metadata.finalizers ?? []).indexOf(finalizer);
      if (index < 0) return current;
      const name = current.metadata.name;
      const path = `/metadata/finalizers/${index}`;
      try {
        return await this.#recorded(
          name,
          this.#deps.api.patch(name, { type: 'json', ops: [{ op: 'test', path, value: finalizer }, { op: 'remove', path }] }, { signal }),
        );
      } catch (err) {
        if (!(isInvalid(err) || isConflict(err)) || attempt >= MAX_CONFLICT_RETRIES) throw err;
        current = await this.#get(name, signal);
      }
    }
  }

  async #get(name: string, signal: AbortSignal): Promise<T> {
    try {
      return await this.#deps.api.get(name, signal);
    } catch (err) {
      if (isNotFound(err)) throw new ContentGoneError(name, { cause: err });
      throw err;
    }
  }

  async #recorded(name: string, write: Promise<T>): Promise<T> {
    try {
      const out = await write;
      this.#deps.ownWrites.record(name, out.metadata.resourceVersion);
      return out;
    } catch (err) {
      if (isNotFound(err)) throw new ContentGoneError(name, { cause: err });
      throw err;
    }
  }
}
