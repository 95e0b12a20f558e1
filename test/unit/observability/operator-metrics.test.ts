// The operators' metrics (issue 16 item 1) through the real reconciler, step executor, object store
// and state probe, with the in-memory apiserver and snapshotter of the scenario tests. The promise
// checked here: the exposed series count does not grow with the number of contents (no object
// name as a label), and every series says what happened.
import { describe, expect, test } from '@jest/globals';
import { contentStateProbe } from '../../../src/app/content-state-probe.js';
import type { EventSink, SecretSource } from '../../../src/effects/ports.js';
import { StepExecutor } from '../../../src/effects/step-executor.js';
import { ObjectStore } from '../../../src/kube/object-store.js';
import type { VolumeSnapshotContent } from '../../../src/kube/types.js';
import { volumeSnapshotContentKind } from '../../../src/kinds/volume-snapshot-content.js';
import { nullLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { contentReconciler } from '../../../src/reconcile/content-reconciler.js';
import { OwnWriteLog } from '../../../src/controller/own-write-log.js';
import { CONTENT_STATES } from '../../../src/snapshot/content-state.js';
import type { DecisionContext } from '../../../src/snapshot/decide.js';
import * as K from '../../../src/snapshot/keys.js';
import { FakeContentApi } from '../../support/fake-content-api.js';
import { FakeSnapshotter, rpcError } from '../../support/fake-snapshotter.js';

const DRIVER = 'hostpath.csi.k8s.io';
const KIND = 'VolumeSnapshotContent';
const T0 = Date.UTC(2026, 11, 6, 12);

function content(name: string, createdMs: number): VolumeSnapshotContent {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: { name, uid: `uid-${name}`, creationTimestamp: new Date(createdMs).toISOString(), annotations: {}, finalizers: [K.FINALIZER_CONTENT] },
    spec: {
      deletionPolicy: 'Delete',
      driver: DRIVER,
      source: { volumeHandle: `vol-${name}` },
      volumeSnapshotClassName: 'gold',
      volumeSnapshotRef: { kind: 'VolumeSnapshot', name: `snap-${name}`, namespace: 'ns1', uid: `snapuid-${name}` },
    },
  };
}

function world() {
  const api = new FakeContentApi<VolumeSnapshotContent>();
  const snapshotter = new FakeSnapshotter();
  let nowMs = T0;
  const clock = { now: () => nowMs, monotonic: () => nowMs, setTimer: () => ({ cancel: () => undefined }), sleep: async () => undefined };
  const events: EventSink = { warning: () => undefined };
  const secrets: SecretSource = { getSecretData: async () => ({}) };
  const store = new ObjectStore<VolumeSnapshotContent>();
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.setDriverName(DRIVER);
  const adapter = volumeSnapshotContentKind;
  metrics.bindContentStates(KIND, CONTENT_STATES, contentStateProbe({ adapter, store, driverName: DRIVER, clock }));
  const executor = new StepExecutor({
    adapter, api, snapshotter, secrets, events, ownWrites: new OwnWriteLog(), clock, timeoutMs: 60_000, timeoutText: '1m0s', log: nullLogger,
  });
  const context = (): DecisionContext => ({
    driverName: DRIVER,
    listSnapshotsSupported: true,
    namePrefix: 'snapshot',
    nameUuidLength: -1,
    extraCreateMetadata: false,
    classByName: (n) => (n === 'gold' ? { name: 'gold', driver: DRIVER, parameters: {} } : undefined),
    nowMs: clock.now(),
    createGiveUpMs: 5 * 60_000,
  });
  const reconcile = contentReconciler({ adapter, store, executor, context, log: nullLogger, observer: metrics.contentObserver(KIND) });
  const sync = async (name: string) => {
    const cur = api.current(name);
    if (cur === undefined) store.delete(name);
    else store.observe(cur);
    return reconcile(name, new AbortController().signal);
  };
  /** What the snapshot-controller does on a VolumeSnapshot delete; the apiserver drops the object once no finalizer is left. */
  const requestDeletion = (name: string, beingDeleted = true) =>
    api.mutate(name, (o) => {
      const m = o.metadata as { deletionTimestamp?: string; annotations: Record<string, string> };
      m.deletionTimestamp = new Date(nowMs).toISOString();
      if (beingDeleted) m.annotations[K.ANN_BEING_DELETED] = 'yes';
    });
  const dropIfUnfinalized = (name: string) => {
    if ((api.current(name)?.metadata.finalizers ?? []).length === 0) {
      api.remove(name);
      store.delete(name);
    }
  };
  return {
    api, snapshotter, metrics, sync, requestDeletion, dropIfUnfinalized,
    /** Puts the apiserver's object into the cache without reconciling (as the informer's list does). */
    cache: (name: string) => { const cur = api.current(name); if (cur !== undefined) store.observe(cur); },
    advance: (ms: number) => { nowMs += ms; },
    text: () => metrics.registry.metrics(),
  };
}

/** Exposed sample lines (every series, histogram buckets included). */
function series(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

function value(text: string, line: string): number | undefined {
  const hit = series(text).find((l) => l.startsWith(`${line} `));
  return hit === undefined ? undefined : Number(hit.slice(line.length + 1));
}

const L = `driver_name="${DRIVER}",kind="${KIND}"`;

describe('operators\' metrics', () => {
  test('500 snapshots created (ready) and deleted: the same series before and after, and every state back at 0', async () => {
    const w = world();
    const before = series(await w.text());
    // Every state is exported at 0 from the start, so "before" already has the full set.
    for (const state of CONTENT_STATES) expect(value(await w.text(), `csi_snapshotter_contents{${L},state="${state}"}`)).toBe(0);
    const names = Array.from({ length: 500 }, (_, i) => `content-${String(i).padStart(3, '0')}`);
    for (const name of names) {
      w.api.seed(content(name, T0));
      w.advance(10);
    }
    for (const name of names) w.cache(name);
    const mid = await w.text();
    expect(value(mid, `csi_snapshotter_contents{${L},state="pending"}`)).toBe(500);
    expect(value(mid, `csi_snapshotter_oldest_unready_content_age_seconds{${L}}`)).toBe(5);
    for (const name of names) expect((await w.sync(name)).kind).toBe('done');
    const ready = await w.text();
    expect(value(ready, `csi_snapshotter_contents{${L},state="ready"}`)).toBe(500);
    expect(value(ready, `csi_snapshotter_contents{${L},state="pending"}`)).toBe(0);
    expect(value(ready, `csi_snapshotter_oldest_unready_content_age_seconds{${L}}`)).toBe(0);
    expect(value(ready, `csi_snapshotter_content_ready_seconds_count{${L}}`)).toBe(500);
    // Created at T0, made ready 5.0 s later (500 × 10 ms of virtual time): all in the 5 s bucket.
    expect(value(ready, `csi_snapshotter_content_ready_seconds_bucket{le="2.5",${L}}`)).toBe(0);
    expect(value(ready, `csi_snapshotter_content_ready_seconds_bucket{le="5",${L}}`)).toBe(500);
    for (const name of names) {
      w.requestDeletion(name);
      expect((await w.sync(name)).kind).toBe('done');
      w.dropIfUnfinalized(name);
    }
    expect(w.snapshotter.snapshots.size).toBe(0);
    const after = await w.text();
    for (const state of CONTENT_STATES) expect(value(after, `csi_snapshotter_contents{${L},state="${state}"}`)).toBe(0);
    expect(series(after).length).toBe(before.length);
    expect(series(after).map((l) => l.replace(/ [^ ]+$/, ''))).toEqual(before.map((l) => l.replace(/ [^ ]+$/, '')));
    expect(after).not.toMatch(/content-\d{3}/);
  });

  test('failures and blocked deletions: labelled by operation, code and reason, never by object; 500 more with the same faults add no series', async () => {
    const w = world();
    const round = async (name: string) => {
      w.api.seed(content(name, T0));
      w.snapshotter.fail('CreateSnapshot', rpcError('Unavailable'));
      expect((await w.sync(name)).kind).toBe('error');
      expect((await w.sync(name)).kind).toBe('done');
      // Deletion requested, but the snapshot-controller has not set being-deleted yet.
      w.requestDeletion(name, false);
      expect((await w.sync(name)).kind).toBe('poll');
      w.api.mutate(name, (o) => { (o.metadata as { annotations: Record<string, string> }).annotations[K.ANN_BEING_DELETED] = 'yes'; });
      w.snapshotter.fail('DeleteSnapshot', rpcError('Internal'));
      expect((await w.sync(name)).kind).toBe('error');
      expect((await w.sync(name)).kind).toBe('done');
      w.dropIfUnfinalized(name);
    };
    await round('warm-up');
    const warm = await w.text();
    expect(value(warm, `csi_snapshotter_operation_retries_total{${L},operation="create",grpc_status_code="Unavailable"}`)).toBe(1);
    expect(value(warm, `csi_snapshotter_operation_retries_total{${L},operation="delete",grpc_status_code="Internal"}`)).toBe(1);
    expect(value(warm, `csi_snapshotter_deletion_blocked_total{${L},reason="waiting-for-snapshot-controller"}`)).toBe(1);
    expect(value(warm, `csi_snapshotter_deletion_blocked_total{${L},reason="delete-failed"}`)).toBe(1);
    for (let i = 0; i < 500; i++) await round(`content-${String(i).padStart(3, '0')}`);
    const after = await w.text();
    expect(value(after, `csi_snapshotter_operation_retries_total{${L},operation="create",grpc_status_code="Unavailable"}`)).toBe(501);
    expect(value(after, `csi_snapshotter_deletion_blocked_total{${L},reason="delete-failed"}`)).toBe(501);
    expect(series(after).length).toBe(series(warm).length);
    expect(after).not.toMatch(/content-\d{3}|warm-up/);
  });

  test('an unready content ages: the oldest one is measured from its creationTimestamp, on scrape', async () => {
    const w = world();
    w.api.seed(content('slow', T0));
    w.snapshotter.readyAnswers = [false];
    expect((await w.sync('slow')).kind).toBe('poll');
    w.advance(90_000);
    const text = await w.text();
    expect(value(text, `csi_snapshotter_contents{${L},state="creating"}`)).toBe(1);
    expect(value(text, `csi_snapshotter_oldest_unready_content_age_seconds{${L}}`)).toBe(90);
    expect(value(text, `csi_snapshotter_content_ready_seconds_count{${L}}`)).toBe(0);
    expect((await w.sync('slow')).kind).toBe('done');
    const ready = await w.text();
    expect(value(ready, `csi_snapshotter_content_ready_seconds_count{${L}}`)).toBe(1);
    expect(value(ready, `csi_snapshotter_content_ready_seconds_sum{${L}}`)).toBe(90);
    expect(value(ready, `csi_snapshotter_oldest_unready_content_age_seconds{${L}}`)).toBe(0);
  });

  test('an already-ready content seen again (a restart) is not observed a second time', async () => {
    const w = world();
    w.api.seed({ ...content('old', T0 - 3_600_000), status: { snapshotHandle: 'h1', readyToUse: true, creationTime: 1 } });
    expect((await w.sync('old')).kind).toBe('done');
    const text = await w.text();
    expect(value(text, `csi_snapshotter_contents{${L},state="ready"}`)).toBe(1);
    expect(value(text, `csi_snapshotter_content_ready_seconds_count{${L}}`)).toBe(0);
  });
});

