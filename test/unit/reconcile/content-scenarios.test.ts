// Upstream's sidecar scenarios (upstream-sidecar.md §7.3, items 1–19) through decide + effects +
// reconciler, against an in-memory apiserver that enforces conflicts, the status split and the
// lenient JSON patch, and a scripted snapshotter. Also the promises beyond upstream: API requests
// per snapshot, single-key writes, the ambiguous-error leak guard, inline conflict retry.
import { describe, expect, test } from '@jest/globals';
import { StepExecutor } from '../../../src/effects/step-executor.js';
import type { OwnWrites } from '../../../src/controller/own-write-log.js';
import type { EventSink, SecretSource } from '../../../src/effects/ports.js';
import { ObjectStore } from '../../../src/kube/object-store.js';
import type { VolumeSnapshotContent } from '../../../src/kube/types.js';
import { volumeSnapshotContentKind } from '../../../src/kinds/volume-snapshot-content.js';
import { nullLogger } from '../../../src/observability/logger.js';
import { contentReconciler } from '../../../src/reconcile/content-reconciler.js';
import type { DecisionContext } from '../../../src/snapshot/decide.js';
import * as K from '../../../src/snapshot/keys.js';
import { FakeContentApi } from '../../support/fake-content-api.js';
import { FakeSnapshotter, rpcError } from '../../support/fake-snapshotter.js';
import { VirtualClock } from '../../support/virtual-clock.js';

const DRIVER = 'csi-mock-plugin';

interface ContentSpec {
  name?: string;
  uid?: string;
  volumeHandle?: string;
  snapshotHandle?: string;
  className?: string | null;
  policy?: 'Delete' | 'Retain';
  status?: Record<string, unknown>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deleting?: boolean;
}

function content(s: ContentSpec = {}): VolumeSnapshotContent {
  const source = s.snapshotHandle !== undefined ? { snapshotHandle: s.snapshotHandle } : { volumeHandle: s.volumeHandle ?? 'vh1' };
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: {
      name: s.name ?? 'content1',
      uid: 'content-uid',
      annotations: s.annotations ?? {},
      finalizers: s.finalizers ?? [K.FINALIZER_CONTENT],
      ...(s.deleting ? { deletionTimestamp: '2026-11-23T10:00:00Z' } : {}),
    },
    spec: {
      deletionPolicy: s.policy ?? 'Delete',
      driver: DRIVER,
      source,
      ...(s.className === null ? {} : { volumeSnapshotClassName: s.className ?? 'gold' }),
      volumeSnapshotRef: { kind: 'VolumeSnapshot', name: 'snap1', namespace: 'ns1', uid: s.uid ?? 'snapuid1' },
    },
    ...(s.status ? { status: s.status as VolumeSnapshotContent['status'] } : {}),
  };
}

function world(opts: { extraMeta?: boolean; list?: boolean } = {}) {
  const api = new FakeContentApi<VolumeSnapshotContent>();
  const snapshotter = new FakeSnapshotter();
  const clock = new VirtualClock({ startWallMs: Date.UTC(2026, 10, 23, 12) });
  const events: { reason: string; message: string; name: string }[] = [];
  const eventSink: EventSink = { warning: (o, reason, message) => events.push({ reason, message, name: o.name }) };
  const secretData = new Map<string, Record<string, string>>([['default/secret', { foo: 'bar' }]]);
  let secretGets = 0;
  const secrets: SecretSource = {
    async getSecretData(ns, name) {
      secretGets++;
      const d = secretData.get(`${ns}/${name}`);
      if (d === undefined) throw new Error(`secret ${ns}/${name} not found`);
      return d;
    },
  };
  const own = new Map<string, Set<string>>();
  const ownWrites: OwnWrites = {
    record: (n, rv) => { if (rv) (own.get(n) ?? own.set(n, new Set()).get(n))?.add(rv); },
    isOwn: (n, rv) => own.get(n)?.has(rv) ?? false,
    forget: (n) => { own.delete(n); },
  };
  const store = new ObjectStore<VolumeSnapshotContent>();
  const classes = {
    gold: { name: 'gold', driver: DRIVER, parameters: { param1: 'v1', [K.PARAM_SNAPSHOTTER_SECRET_NAME]: 'x', [K.PARAM_SNAPSHOTTER_SECRET_NAMESPACE]: 'y' } },
  } as const;
  const ctx: DecisionContext = {
    driverName: DRIVER,
    listSnapshotsSupported: opts.list ?? true,
    namePrefix: 'snapshot',
    nameUuidLength: -1,
    extraCreateMetadata: opts.extraMeta ?? true,
    nowMs: clock.now(),
    createGiveUpMs: 5 * 60_000,
    classByName: (n) => (classes as Record<string, (typeof classes)['gold']>)[n],
  };
  const executor = new StepExecutor({ adapter: volumeSnapshotContentKind, api, snapshotter, secrets, events: eventSink, ownWrites, clock, timeoutMs: 60_000, timeoutText: '1m0s', log: nullLogger });
  const reconcile = contentReconciler({ adapter: volumeSnapshotContentKind, store, executor, context: () => ctx, log: nullLogger });
  const sync = async (name = 'content1') => {
    const cur = api.current(name);
    if (cur) store.observe(cur);
    return reconcile(name, new AbortController().signal);
  };
  return { api, snapshotter, events, sync, store, ownWrites, secretData, secretGets: () => secretGets };
}

const annotations = (o: VolumeSnapshotContent | undefined) => o?.metadata.annotations ?? {};

describe('create', () => {
  test('1. basic: CreateSnapshot(snapshot-<uid>, metadata params, no secrets) → ready status; being-created added then removed; 3 API writes; no events', async () => {
    const w = world();
    w.api.seed(content());
    expect(await w.sync()).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls).toEqual([
      {
        method: 'CreateSnapshot',
        request: {
          name: 'snapshot-snapuid1',
          sourceVolumeId: 'vh1',
          parameters: { param1: 'v1', [K.META_SNAPSHOT_NAME]: 'snap1', [K.META_SNAPSHOT_NAMESPACE]: 'ns1', [K.META_CONTENT_NAME]: 'content1' },
          secrets: {},
        },
      },
    ]);
    const after = w.api.current('content1');
    expect(after?.status).toEqual({ snapshotHandle: 'snap-1', readyToUse: true, creationTime: 1_700_000_000_123_456_789n, restoreSize: 1024n });
    expect(annotations(after)).toEqual({});
    expect(w.api.writes()).toHaveLength(3);
    expect(w.api.requests.filter((r) => r.verb === 'get')).toHaveLength(0);
    expect(w.events).toEqual([]);
  });

  test('2. an existing handle is never overwritten', async () => {
    const w = world();
    w.api.seed(content({ status: { snapshotHandle: 'sid', readyToUse: false } }));
    await w.sync();
    expect(w.api.current('content1')?.status).toMatchObject({ snapshotHandle: 'sid', readyToUse: true });
  });

  test('3–5. not ready after create → poll; still not ready → no write; then ready → done', async () => {
    const w = world();
    w.snapshotter.readyAnswers = [false, false, true];
    w.api.seed(content());
    expect(await w.sync()).toEqual({ kind: 'poll', stage: 'create' });
    expect(w.api.current('content1')?.status).toMatchObject({ snapshotHandle: 'snap-1', readyToUse: false });
    expect(annotations(w.api.current('content1'))).toEqual({});
    const writesBefore = w.api.writes().length;
    expect(await w.sync()).toEqual({ kind: 'poll', stage: 'create' });
    expect(w.api.writes().length).toBe(writesBefore);
    expect(await w.sync()).toEqual({ kind: 'done' });
    expect(w.api.current('content1')?.status?.readyToUse).toBe(true);
    expect(w.snapshotter.count('CreateSnapshot')).toBe(3);
  });

  test('6. empty deletion-secret annotations → error status + event, no CSI call, no annotation', async () => {
    const w = world();
    w.api.seed(content({ name: 'content1-3', annotations: { [K.ANN_DELETION_SECRET_NAME]: '', [K.ANN_DELETION_SECRET_NAMESPACE]: '' }, status: {} }));
    const r = await w.sync('content1-3');
    expect(r.kind).toBe('error');
    expect(w.snapshotter.calls).toEqual([]);
    const st = w.api.current('content1-3')?.status;
    expect(st?.readyToUse).toBe(false);
    expect(st?.error?.message).toMatch(/^Failed to check and update snapshot content: failed to get input parameters to create snapshot for content content1-3: "cannot retrieve secrets for snapshot content \\"content1-3\\", err: secret name or namespace not specified"/);
    expect(w.events.map((e) => e.reason)).toEqual(['SnapshotContentCheckandUpdateFailed']);
    expect(annotations(w.api.current('content1-3'))[K.ANN_BEING_CREATED]).toBeUndefined();
  });

  test('6b. the same failure again writes nothing and emits no new event (as upstream, the first retry moves from create to check wording)', async () => {
    const w = world();
    w.api.seed(content({ annotations: { [K.ANN_DELETION_SECRET_NAME]: '', [K.ANN_DELETION_SECRET_NAMESPACE]: '' } }));
    await w.sync();
    await w.sync();
    expect(w.events.map((e) => e.reason)).toEqual(['SnapshotCreationFailed', 'SnapshotContentCheckandUpdateFailed']);
    const writes = w.api.writes().length;
    await w.sync();
    expect(w.api.writes().length).toBe(writes);
    expect(w.events).toHaveLength(2);
  });

  test('7. a valid secret is sent with CreateSnapshot', async () => {
    const w = world();
    w.api.seed(content({ annotations: { [K.ANN_DELETION_SECRET_NAME]: 'secret', [K.ANN_DELETION_SECRET_NAMESPACE]: 'default' } }));
    await w.sync();
    expect((w.snapshotter.calls[0]?.request as { secrets: unknown }).secrets).toEqual({ foo: 'bar' });
    expect(w.api.current('content1')?.status?.readyToUse).toBe(true);
  });

  test('8. a Secret that cannot be read → error naming ns/name with a remedy; no CSI call', async () => {
    const w = world();
    w.api.seed(content({ annotations: { [K.ANN_DELETION_SECRET_NAME]: 'missing', [K.ANN_DELETION_SECRET_NAMESPACE]: 'default' } }));
    await w.sync();
    const msg = w.api.current('content1')?.status?.error?.message ?? '';
    expect(msg).toContain('cannot get credentials for snapshot content \\"content1\\"');
    expect(msg).toContain('default/missing');
    expect(msg).toContain('Remedy:');
    expect(w.snapshotter.calls).toEqual([]);
  });

  test('9. missing class with a handle → error status keeps the handle', async () => {
    const w = world();
    w.api.seed(content({ className: 'bad-class', status: { snapshotHandle: 'sid', readyToUse: false } }));
    await w.sync();
    const st = w.api.current('content1')?.status;
    expect(st?.snapshotHandle).toBe('sid');
    expect(st?.readyToUse).toBe(false);
    expect(st?.error?.message).toContain('volumesnapshotclass.snapshot.storage.k8s.io \\"bad-class\\" not found');
    expect(w.events.map((e) => e.reason)).toEqual(['SnapshotContentCheckandUpdateFailed']);
  });

  test('a final gRPC error removes the being-created annotation', async () => {
    const w = world();
    w.snapshotter.fail('CreateSnapshot', rpcError('InvalidArgument', 'bad param'));
    w.api.seed(content());
    const r = await w.sync();
    expect(r.kind).toBe('error');
    const after = w.api.current('content1');
    expect(annotations(after)[K.ANN_BEING_CREATED]).toBeUndefined();
    expect(after?.status?.error?.message).toContain('failed to take snapshot of the volume vh1: "rpc error: code = InvalidArgument desc = bad param"');
    expect(w.events.map((e) => e.reason)).toEqual(['SnapshotCreationFailed']);
  });

  test.each(['DeadlineExceeded', 'Unavailable', 'Internal', 'Unknown'] as const)('a %s error keeps the being-created annotation (no leak)', async (code) => {
    const w = world();
    w.snapshotter.fail('CreateSnapshot', rpcError(code, 'x'));
    w.api.seed(content());
    await w.sync();
    expect(annotations(w.api.current('content1'))[K.ANN_BEING_CREATED]).toBe('yes');
  });

  test('DeadlineExceeded says which --timeout to raise', async () => {
    const w = world();
    w.snapshotter.fail('CreateSnapshot', rpcError('DeadlineExceeded', 'context deadline exceeded'));
    w.api.seed(content());
    await w.sync();
    expect(w.api.current('content1')?.status?.error?.message).toContain('--timeout=1m0s of csi-snapshotter');
  });

  test('a status write conflict is retried inline on a fresh copy, without a new RPC or event', async () => {
    const w = world();
    w.api.seed(content());
    let n = 0;
    const orig = w.api.patch.bind(w.api);
    w.api.patch = async (name, patch, o) => {
      if (o.subresource === 'status' && n++ === 0) w.api.mutate(name, (obj) => { (obj.metadata as Record<string, unknown>).labels = { x: 'y' }; });
      return orig(name, patch, o);
    };
    expect(await w.sync()).toEqual({ kind: 'done' });
    expect(w.snapshotter.count('CreateSnapshot')).toBe(1);
    expect(w.api.current('content1')?.status?.readyToUse).toBe(true);
    expect(w.api.requests.filter((r) => r.verb === 'get')).toHaveLength(1);
    expect(w.events).toEqual([]);
  });

  test('a concurrent annotation written between our read and our patch survives', async () => {
    const w = world();
    w.api.seed(content());
    w.api.beforeNextPatch = (api) => api.mutate('content1', (o) => { ((o.metadata as Record<string, unknown>).annotations as Record<string, string>)[K.ANN_BEING_DELETED] = 'yes'; });
    await w.sync();
    expect(annotations(w.api.current('content1'))[K.ANN_BEING_DELETED]).toBe('yes');
  });

  test('deleted while being created: the create finishes, then the backend snapshot is deleted in the same pass (#1388)', async () => {
    const w = world();
    w.api.seed(content({ deleting: true, annotations: { [K.ANN_BEING_CREATED]: 'yes', [K.ANN_BEING_DELETED]: 'yes' } }));
    expect(await w.sync()).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls.map((c) => c.method)).toEqual(['CreateSnapshot', 'DeleteSnapshot']);
    expect(w.snapshotter.snapshots.size).toBe(0);
    expect(w.api.current('content1')?.metadata.finalizers).toEqual([]);
  });

  test('a content deleted from the API mid-sync (13) ends the pass without recreating anything', async () => {
    const w = world();
    w.api.seed(content({ snapshotHandle: 'ph' }));
    w.api.beforeNextPatch = (api) => api.remove('content1');
    expect(await w.sync()).toEqual({ kind: 'done' });
    expect(w.api.current('content1')).toBeUndefined();
  });
});

describe('delete', () => {
  const deleting = { deleting: true, annotations: { [K.ANN_BEING_DELETED]: 'yes' } };

  test('10. dynamic Delete: DeleteSnapshot(sid, no secrets) → status cleared → finalizer removed; 2 API writes', async () => {
    const w = world();
    w.api.seed(content({ ...deleting, status: { snapshotHandle: 'sid', readyToUse: true, creationTime: 1, restoreSize: 5 } }));
    expect(await w.sync()).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls).toEqual([{ method: 'DeleteSnapshot', request: { snapshotId: 'sid', secrets: {} } }]);
    const after = w.api.current('content1');
    expect(after?.status).toEqual({});
    expect(after?.metadata.finalizers).toEqual([]);
    expect(w.api.writes()).toHaveLength(2);
    expect(w.events).toEqual([]);
  });

  test('11. Retain: no DeleteSnapshot, status untouched, finalizer removed', async () => {
    const w = world();
    w.api.seed(content({ ...deleting, policy: 'Retain', status: { snapshotHandle: 'sid', readyToUse: true } }));
    await w.sync();
    expect(w.snapshotter.calls).toEqual([]);
    expect(w.api.current('content1')?.status?.snapshotHandle).toBe('sid');
    expect(w.api.current('content1')?.metadata.finalizers).toEqual([]);
  });

  test('12. a driver delete error → SnapshotDeleteError event, finalizer and handle kept, retried', async () => {
    const w = world();
    w.snapshotter.fail('DeleteSnapshot', rpcError('FailedPrecondition', 'in use'));
    w.api.seed(content({ ...deleting, status: { snapshotHandle: 'sid', readyToUse: true } }));
    const r = await w.sync();
    expect(r.kind).toBe('error');
    expect(w.events.map((e) => [e.reason, e.message])).toEqual([['SnapshotDeleteError', 'Failed to delete snapshot']]);
    const after = w.api.current('content1');
    expect(after?.metadata.finalizers).toEqual([K.FINALIZER_CONTENT]);
    expect(after?.status?.snapshotHandle).toBe('sid');
  });

  test('a NotFound from DeleteSnapshot counts as deleted', async () => {
    const w = world();
    w.snapshotter.fail('DeleteSnapshot', rpcError('NotFound', 'gone'));
    w.api.seed(content({ ...deleting, status: { snapshotHandle: 'sid', readyToUse: true } }));
    expect(await w.sync()).toEqual({ kind: 'done' });
    expect(w.api.current('content1')?.metadata.finalizers).toEqual([]);
  });

  test('17. pre-provisioned Delete → DeleteSnapshot(handle) → finalizer removed', async () => {
    const w = world();
    w.api.seed(content({ ...deleting, snapshotHandle: 'ph', className: null, status: { snapshotHandle: 'ph', readyToUse: true } }));
    await w.sync();
    expect(w.snapshotter.calls.map((c) => c.method)).toEqual(['DeleteSnapshot']);
    expect(w.api.current('content1')?.metadata.finalizers).toEqual([]);
  });

  test('pre-provisioned Delete before any status write: deleted by its spec handle, exactly once', async () => {
    const w = world();
    w.api.seed(content({ ...deleting, snapshotHandle: 'ph', className: null }));
    expect(await w.sync()).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls).toEqual([{ method: 'DeleteSnapshot', request: { snapshotId: 'ph', secrets: {} } }]);
    expect(w.api.current('content1')?.metadata.finalizers).toEqual([]);
  });

  test('19. group member: no DeleteSnapshot; finalizer removed', async () => {
    const w = world();
    w.api.seed(content({ deleting: true, annotations: { [K.ANN_BEING_DELETED]: 'yes', [K.ANN_GROUP_MEMBER_HANDLE]: 'g' }, status: { snapshotHandle: 's', volumeGroupSnapshotHandle: 'g', readyToUse: true } }));
    await w.sync();
    expect(w.snapshotter.calls).toEqual([]);
    expect(w.api.current('content1')?.metadata.finalizers).toEqual([]);
  });

  test('finalizer removal touches only our finalizer and survives a reordered list', async () => {
    const w = world();
    w.api.seed(content({ ...deleting, policy: 'Retain', finalizers: ['a', K.FINALIZER_CONTENT, 'b'] }));
    w.api.beforeNextPatch = (api) => api.mutate('content1', (o) => { (o.metadata as Record<string, unknown>).finalizers = ['z', 'a', K.FINALIZER_CONTENT, 'b']; });
    await w.sync();
    expect(w.api.current('content1')?.metadata.finalizers).toEqual(['z', 'a', 'b']);
  });

  test('deleting but not yet marked by the snapshot-controller: wait (re-checked), no driver call', async () => {
    const w = world();
    w.api.seed(content({ deleting: true, status: { snapshotHandle: 'sid', readyToUse: true } }));
    expect(await w.sync()).toEqual({ kind: 'poll', stage: 'wait' });
    expect(w.snapshotter.calls).toEqual([]);
  });
});

describe('pre-provisioned', () => {
  test('status from ListSnapshots; no class needed', async () => {
    const w = world();
    w.snapshotter.snapshots.set('ph', { name: 'x', snapshotId: 'ph', sourceVolumeId: 'v', creationTimeNs: 5n, sizeBytes: 7n, readyToUse: true, groupSnapshotId: '' });
    w.api.seed(content({ snapshotHandle: 'ph', className: null }));
    expect(await w.sync()).toEqual({ kind: 'done' });
    expect(w.api.current('content1')?.status).toEqual({ snapshotHandle: 'ph', readyToUse: true, creationTime: 5n, restoreSize: 7n });
  });
  test('14. ready pre-provisioned: no driver call, no write', async () => {
    const w = world();
    w.api.seed(content({ snapshotHandle: 'ph', status: { snapshotHandle: 'ph', readyToUse: true } }));
    await w.sync();
    expect(w.snapshotter.calls).toEqual([]);
    expect(w.api.writes()).toEqual([]);
  });
  test('a handle the driver does not know → error status, not a crash', async () => {
    const w = world();
    w.api.seed(content({ snapshotHandle: 'nope', className: null }));
    const r = await w.sync();
    expect(r.kind).toBe('error');
    expect(w.api.current('content1')?.status?.error?.message).toContain('can not find snapshot for snapshotID nope');
  });
  test('driver without LIST_SNAPSHOTS: ready without a call', async () => {
    const w = world({ list: false });
    w.api.seed(content({ snapshotHandle: 'ph', className: null }));
    await w.sync();
    expect(w.snapshotter.calls).toEqual([]);
    expect(w.api.current('content1')?.status?.readyToUse).toBe(true);
  });
});

test('a fractional clock (virtual time) still yields an integral creationTime', async () => {
  const api = new FakeContentApi<VolumeSnapshotContent>();
  const snapshotter = new FakeSnapshotter();
  const clock = new VirtualClock({ startWallMs: 1_700_000_000_000.5 });
  snapshotter.createSnapshot = async (r) => ({ snapshotId: 'x', sourceVolumeId: r.sourceVolumeId, creationTimeNs: null, sizeBytes: 0n, readyToUse: true, groupSnapshotId: '' });
  const store = new ObjectStore<VolumeSnapshotContent>();
  const executor = new StepExecutor({
    adapter: volumeSnapshotContentKind, api, snapshotter,
    secrets: { getSecretData: async () => ({}) }, events: { warning: () => undefined },
    ownWrites: { record: () => undefined },
    clock, timeoutMs: 1000, timeoutText: '1s', log: nullLogger,
  });
  const reconcile = contentReconciler({
    adapter: volumeSnapshotContentKind, store, executor, log: nullLogger,
    context: () => ({ driverName: DRIVER, listSnapshotsSupported: true, namePrefix: 'snapshot', nameUuidLength: -1, extraCreateMetadata: false, nowMs: clock.now(), createGiveUpMs: 300_000, classByName: (n) => (n === 'gold' ? { name: 'gold', driver: DRIVER, parameters: {} } : undefined) }),
  });
  store.observe(api.seed(content()));
  expect(await reconcile('content1', new AbortController().signal)).toEqual({ kind: 'done' });
  expect(api.current('content1')?.status?.creationTime).toBe(1_700_000_000_000_000_000n);
});
