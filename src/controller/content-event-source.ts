// Event intake of one content kind, the one path from its informers to its work queue (resync and
// the backend limiter's wake-ups add keys too): informer events in, queue keys out. It decides
// whether a content is ours (driver and source), keeps the forward-only store up to date, drops
// the watch events of our own writes, and picks the priority (live changes before the initial
// list, upstream #1148). The same source serves single and group contents, so the own-write rule
// holds for both (upstream #1488: the group queue had no filter at all and its own writes re-ran
// CreateVolumeGroupSnapshot about every 800 ms). app/ only wires it.
//
// How our own writes are kept from re-triggering syncs:
// 1. The reconciler runs a key's steps in one pass and feeds each step's write response into the
//    store (store.observe), so it never needs the watch event of its own write to go on.
// 2. The writer (effects/content-writes.ts) records the resourceVersion of every response through
//    the narrow OwnWriteRecorder port into this source's OwnWriteLog; nothing else writes to it.
// 3. When the watch event of that write arrives here: if a later write is already stored, the store
//    rejects it as older; otherwise a MODIFIED event whose new resourceVersion is in the log is
//    ignored, and so is any change limited to fields the sidecar writes (status, its own
//    annotation, finalizers) whoever made it (snapshot/change-filter.ts).
// 4. A DELETED event forgets the object in both the store and the log.
// The content's view (kind.toView) is computed once per event, before anything else reads it.

import type { OwnWriteRecorder } from '../effects/ports.js';
import type { InformerHandler } from '../kube/informer.js';
import type { ObjectStore } from '../kube/object-store.js';
import type { KubeObject } from '../kube/types.js';
import type { KindAdapter } from '../kinds/kind-adapter.js';
import type { Logger } from '../observability/logger.js';
import type { Priority } from '../queue/work-queue.js';
import { classifyChange, type ObjectLike } from '../snapshot/change-filter.js';
import { isOurContent } from '../snapshot/content-view.js';
import { OwnWriteLog, type OwnWrites } from './own-write-log.js';

export type ContentObject = KubeObject & ObjectLike;

export interface ContentEventSourceDeps<T extends ContentObject> {
  readonly adapter: KindAdapter<T>;
  readonly driverName: string;
  readonly store: ObjectStore<T>;
  readonly enqueue: (key: string, priority: Priority) => void;
  /** New objects found by the initial list wait behind changes that arrive live (upstream #1148). */
  readonly listed: () => boolean;
  readonly log: Logger;
}

export interface ContentEventSource<T extends ContentObject, C extends KubeObject> {
  /** For the content informer. */
  readonly onContent: InformerHandler<T>;
  /** For the class informer. */
  readonly onClass: InformerHandler<C>;
  /** For the writer: where it records each write it made (and nothing more). */
  readonly ownWrites: OwnWriteRecorder;
}

/** One kind's intake, with the own-write log it alone owns. */
export function contentEventSource<T extends ContentObject, C extends KubeObject>(deps: ContentEventSourceDeps<T>): ContentEventSource<T, C> {
  const ownWrites = new OwnWriteLog();
  return {
    onContent: contentEventHandler({ ...deps, ownWrites }),
    onClass: classEventHandler<T, C>(deps),
    ownWrites,
  };
}

export interface ContentEventDeps<T extends ContentObject> extends ContentEventSourceDeps<T> {
  readonly ownWrites: OwnWrites;
}

/** The content informer's events, routed (contentEventSource wires it with its own log). */
export function contentEventHandler<T extends ContentObject>(deps: ContentEventDeps<T>): InformerHandler<T> {
  const { adapter, driverName, store, ownWrites, enqueue, log } = deps;
  const kind = adapter.vocabulary.kind;
  return (type, oldObj, obj) => {
    const name = obj.metadata.name;
    if (type === 'DELETED') {
      store.delete(name);
      ownWrites.forget(name);
      return;
    }
    // Others' contents are never stored, so memory follows our share of the cluster.
    if (!isOurContent(adapter.toView(obj), driverName)) return;
    let accepted: boolean;
    try {
      accepted = store.observe(obj);
    } catch (err) {
      log.error(`Ignoring ${kind} with an invalid resourceVersion`, { [kind]: name, err });
      return;
    }
    if (!accepted) return; // older than what we wrote: a finished step must not run again
    if (type === 'ADDED' || oldObj === undefined) {
      enqueue(name, deps.listed() ? 'high' : 'low');
      return;
    }
    const verdict = classifyChange(oldObj, obj, {
      ownAnnotation: adapter.vocabulary.annBeingCreated,
      isOwnWrite: (rv) => ownWrites.isOwn(name, rv),
    });
    if (verdict !== 'ignore') enqueue(name, verdict === 'resync' ? 'low' : 'high');
  };
}

/** A class that appears or changes may unblock the not-ready contents that name it. */
export function classEventHandler<T extends ContentObject, C extends KubeObject>(deps: {
  readonly adapter: KindAdapter<T>;
  readonly store: ObjectStore<T>;
  readonly enqueue: (key: string, priority: Priority) => void;
}): InformerHandler<C> {
  return (type, _old, cls) => {
    if (type === 'DELETED') return;
    // One view per stored content: the class event is the event here.
    for (const c of deps.store.list()) {
      const view = deps.adapter.toView(c);
      if (view.className === cls.metadata.name && view.status?.readyToUse !== true) deps.enqueue(c.metadata.name, 'high');
    }
  };
}
