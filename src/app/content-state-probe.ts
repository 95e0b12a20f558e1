// Reads the state gauges' numbers from one kind's informer cache on every scrape: each content of
// our driver through the pure classifier (snapshot/content-state.ts). O(contents) per scrape and
// no bookkeeping to drift: the cache is the truth the reconciler acts on.

import type { Clock } from '../base/clock.js';
import type { KubeObject } from '../kube/types.js';
import type { KindAdapter } from '../kinds/kind-adapter.js';
import type { ContentStateSample } from '../observability/metrics.js';
import { contentState, isUnready } from '../snapshot/content-state.js';
import { isOurContent } from '../snapshot/content-view.js';

export interface ContentStateProbeDeps<T extends KubeObject> {
  readonly adapter: KindAdapter<T>;
  readonly store: { list(): readonly T[] };
  readonly driverName: string;
  readonly clock: Pick<Clock, 'now'>;
}

export function contentStateProbe<T extends KubeObject>(deps: ContentStateProbeDeps<T>): () => ContentStateSample {
  return () => {
    const counts: Record<string, number> = {};
    let oldestMs = Infinity;
    for (const obj of deps.store.list()) {
      const view = deps.adapter.toView(obj);
      if (!isOurContent(view, deps.driverName)) continue;
      const state = contentState(view);
      counts[state] = (counts[state] ?? 0) + 1;
      const created = Date.parse(obj.metadata.creationTimestamp ?? '');
      if (isUnready(state) && created < oldestMs) oldestMs = created;
    }
    return { counts, oldestUnreadySeconds: Number.isFinite(oldestMs) ? Math.max(0, (deps.clock.now() - oldestMs) / 1000) : 0 };
  };
}
