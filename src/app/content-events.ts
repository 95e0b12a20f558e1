// Turns informer events of one content kind (and of its class kind) into queue keys. The same
// routing serves single and group contents, so the own-write rule holds for both: a watch event of
// a write this process made never triggers a sync (upstream #1488: the group queue had no filter
// at all and its own writes re-ran CreateVolumeGroupSnapshot about every 800 ms).

import type { OwnWrites } from '../effects/ports.js';
import type { InformerHandler } from '../kube/informer.js';
import type { ObjectStore } from '../kube/object-store.js';
import type { KubeObject } from '../kube/types.js';
import type { KindAdapter } from '../kinds/kind-adapter.js';
import type { Logger } from '../observability/logger.js';
import type { Priority } from '../queue/work-queue.js';
import { classifyChange, type ObjectLike } from '../snapshot/change-filter.js';

export type ContentObject = KubeObject & ObjectLike;

export interface ContentEventDeps<T extends ContentObject> {
  readonly adapter: KindAdapter<T>;
  readonly driverName: string;
  readonly store: ObjectStore<T>;
  readonly ownWrites: OwnWrites;
  readonly enqueue: (key: string, priority: Priority) => void;
  /** New objects found by the initial list wait behind changes that arrive live (upstream #1148). */
  readonly listed: () => boolean;
  readonly log: Logger;
}

/** Upstream isDriverMatch minus the class check (decide() reports a class of another driver). */
export function isOurs<T extends ContentObject>(obj: T, kind: { readonly adapter: KindAdapter<T>; readonly driverName: string }): boolean {
  const view = kind.adapter.toView(obj);
  return view.driver === kind.driverName && view.source.type !== 'none';
}

export function contentEventHandler<T extends ContentObject>(deps: ContentEventDeps<T>): InformerHandler<T> {
  const { adapter, store, ownWrites, enqueue, log } = deps;
  const kind = adapter.vocabulary.kind;
  return (type, oldObj, obj) => {
    const name = obj.metadata.name;
    if (type === 'DELETED') {
      store.delete(name);
      ownWrites.forget(name);
      return;
    }
    // Others' contents are never stored, so memory follows our share of the cluster.
    if (!isOurs(obj, deps)) return;
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
    for (const c of deps.store.list()) {
      const view = deps.adapter.toView(c);
      if (view.className === cls.metadata.name && view.status?.readyToUse !== true) deps.enqueue(c.metadata.name, 'high');
    }
  };
}
