// The event source wires one own-write log between the writer's port and its own intake: what the
// writer records is what the intake drops, and a DELETED event forgets it.

import { describe, expect, test } from '@jest/globals';
import { contentEventSource } from '../../../src/controller/content-event-source.js';
import { ObjectStore } from '../../../src/kube/object-store.js';
import type { KubeObject, VolumeSnapshotContent } from '../../../src/kube/types.js';
import { volumeSnapshotContentKind } from '../../../src/kinds/volume-snapshot-content.js';
import { nullLogger } from '../../../src/observability/logger.js';

const DRIVER = 'hostpath.csi.k8s.io';

function content(rv: string, over: { driver?: string; ready?: boolean; labels?: Record<string, string> } = {}): VolumeSnapshotContent {
  return {
    metadata: { name: 'c1', resourceVersion: rv, ...(over.labels ? { labels: over.labels } : {}) },
    spec: {
      deletionPolicy: 'Delete',
      driver: over.driver ?? DRIVER,
      source: { volumeHandle: 'vol-1' },
      volumeSnapshotClassName: 'gold',
      volumeSnapshotRef: { name: 's1', namespace: 'ns', uid: 'u1' },
    },
    ...(over.ready === undefined ? {} : { status: { readyToUse: over.ready } }),
  };
}

function source(listed = true) {
  const store = new ObjectStore<VolumeSnapshotContent>();
  const queued: Array<[string, string]> = [];
  const views = { count: 0 };
  const adapter = {
    ...volumeSnapshotContentKind,
    toView: (obj: VolumeSnapshotContent) => {
      views.count++;
      return volumeSnapshotContentKind.toView(obj);
    },
  };
  const src = contentEventSource<VolumeSnapshotContent, KubeObject>({
    adapter,
    driverName: DRIVER,
    store,
    enqueue: (key, priority) => queued.push([key, priority]),
    listed: () => listed,
    log: nullLogger,
  });
  return { store, queued, src, views };
}

describe('contentEventSource', () => {
  test('a write recorded through its ownWrites port is not a sync when its watch event arrives', () => {
    const { queued, src } = source();
    src.onContent('ADDED', undefined, content('1'));
    // Not ready → ready would count as a change by someone else, unless the version is ours.
    src.ownWrites.record('c1', '2');
    src.onContent('MODIFIED', content('1'), content('2', { ready: true }));
    expect(queued).toEqual([['c1', 'high']]);
  });

  test('the same change at a version nobody recorded is a sync at high priority', () => {
    const { queued, src } = source();
    src.onContent('ADDED', undefined, content('1'));
    src.onContent('MODIFIED', content('1'), content('2', { ready: true }));
    expect(queued).toEqual([['c1', 'high'], ['c1', 'high']]);
  });

  test('DELETED forgets the recorded versions and the stored object', () => {
    const { store, queued, src } = source();
    src.onContent('ADDED', undefined, content('1'));
    src.ownWrites.record('c1', '2');
    src.onContent('DELETED', content('1'), content('1'));
    expect(store.get('c1')).toBeUndefined();
    src.onContent('MODIFIED', content('1'), content('2', { ready: true }));
    expect(queued).toEqual([['c1', 'high'], ['c1', 'high']]);
  });

  test("another driver's content is neither stored nor queued; the initial list queues at low priority", () => {
    const { store, queued, src } = source(false);
    src.onContent('ADDED', undefined, { ...content('1', { driver: 'other.csi.k8s.io' }), metadata: { name: 'c2', resourceVersion: '1' } });
    src.onContent('ADDED', undefined, content('1'));
    expect(store.get('c2')).toBeUndefined();
    expect(queued).toEqual([['c1', 'low']]);
  });

  test('a class event queues the not-ready contents that name it', () => {
    const { queued, src } = source();
    src.onContent('ADDED', undefined, content('1'));
    src.onClass('MODIFIED', undefined, { metadata: { name: 'gold' } });
    src.onClass('ADDED', undefined, { metadata: { name: 'silver' } });
    expect(queued).toEqual([['c1', 'high'], ['c1', 'high']]);
  });

  test('one content view per content event, whatever the event leads to', () => {
    const { views, src } = source();
    src.onContent('ADDED', undefined, content('1'));
    src.onContent('MODIFIED', content('1'), content('2', { labels: { team: 'a' } }));
    src.onContent('MODIFIED', content('2'), content('2'));
    expect(views.count).toBe(3);
  });
});
