// Upstream's group snapshot scenarios (upstream-sidecar.md §7.3, items 31–40) through the shared
// decide + effects + reconciler with the group KindAdapter, against the in-memory apiserver
// (conflicts, status split, lenient JSON patch) and a scripted snapshotter. Also: member
// VolumeSnapshotContents of a group are never CreateSnapshot'ed or DeleteSnapshot'ed one by one,
// and the group's status is a merge patch with a resourceVersion precondition, never a PUT.
import { describe, expect, test } from '@jest/globals';
import { contentEventHandler } from '../../../src/controller/content-event-source.js';
import type { EventSink, SecretSource } from '../../../src/effects/ports.js';
import type { KubeObject, VolumeGroupSnapshotContent, VolumeSnapshotContent } from '../../../src/kube/types.js';
import type { KindAdapter } from '../../../src/kinds/kind-adapter.js';
import { volumeGroupSnapshotContentKind as groupKind } from '../../../src/kinds/volume-group-snapshot-content.js';
import { volumeSnapshotContentKind as singleKind } from '../../../src/kinds/volume-snapshot-content.js';
import { nullLogger } from '../../../src/observability/logger.js';
import { isOurContent } from '../../../src/snapshot/content-view.js';
import * as K from '../../../src/snapshot/keys.js';
import { rpcError } from '../../support/fake-snapshotter.js';
import { classLookup, decisionContext, reconcileHarness } from '../../support/reconcile-harness.js';
import { VirtualClock } from '../../support/virtual-clock.js';

const DRIVER = 'csi-mock-plugin';

interface GroupSpec {
  name?: string;
  uid?: string;
  volumeHandles?: string[];
  pre?: { handle: string; members: string[] };
  className?: string | null;
  driver?: string;
  policy?: 'Delete' | 'Retain';
  status?: VolumeGroupSnapshotContent['status'];
  annotations?: Record<string, string>;
  finalizers?: string[];
  deleting?: boolean;
}

function group(s: GroupSpec = {}): VolumeGroupSnapshotContent {
  const source = s.pre ? { groupSnapshotHandles: { volumeGroupSnapshotHandle: s.pre.handle, volumeSnapshotHandles: s.pre.members } } : { volumeHandles: s.volumeHandles ?? ['vh1', 'vh2'] };
  return {
    apiVersion: 'groupsnapshot.storage.k8s.io/v1',
    kind: 'VolumeGroupSnapshotContent',
    metadata: {
      name: s.name ?? 'groupcontent1',
      uid: 'gc-uid',
      annotations: s.annotations ?? {},
      finalizers: s.finalizers ?? [K.FINALIZER_GROUP_CONTENT],
      ...(s.deleting ? { deletionTimestamp: '2026-11-23T10:00:00Z' } : {}),
    },
    spec: {
      deletionPolicy: s.policy ?? 'Delete',
      driver: s.driver ?? DRIVER,
      source,
      ...(s.className === null ? {} : { volumeGroupSnapshotClassName: s.className ?? 'gold' }),
      volumeGroupSnapshotRef: { kind: 'VolumeGroupSnapshot', name: 'vgs1', namespace: 'ns1', uid: s.uid ?? 'vgsuid1' },
    },
    ...(s.status ? { status: s.status } : {}),
  };
}

function world<T extends KubeObject>(adapter: KindAdapter<T>) {
  const clock = new VirtualClock({ startWallMs: Date.UTC(2026, 10, 23, 12) });
  const events: { reason: string; message: string; kind: string }[] = [];
  const eventSink: EventSink = { warning: (o, reason, message) => events.push({ reason, message, kind: o.kind }) };
  const secrets: SecretSource = {
    async getSecretData(ns, name) {
      if (`${ns}/${name}` === 'default/secret') return { foo: 'bar' };
      throw new Error(`secret ${ns}/${name} not found`);
    },
  };
  const ctx = decisionContext({
    driverName: DRIVER,
    namePrefix: adapter === (groupKind as unknown) ? 'groupsnapshot' : 'snapshot',
    extraCreateMetadata: true,
    nowMs: clock.now(),
    classByName: classLookup(
      { name: 'gold', driver: DRIVER, parameters: { param1: 'v1', [K.PARAM_GROUP_SECRET_NAME]: 'x', [K.PARAM_GROUP_SECRET_NAMESPACE]: 'y' } },
      { name: 'other', driver: 'other.csi.k8s.io', parameters: {} },
    ),
  });
  const h = reconcileHarness({ adapter, clock, secrets, events: eventSink, context: () => ctx });
  return { api: h.api, snapshotter: h.snapshotter, events, sync: (name: string) => h.sync(name), store: h.store, ownWrites: h.ownWrites };
}

const groupWorld = () => world(groupKind);
const NAME = 'groupcontent1';
const ann = (o: KubeObject | undefined) => o?.metadata.annotations ?? {};
const deletingMarked = { deleting: true, annotations: { [K.ANN_GROUP_BEING_DELETED]: 'yes' } };
const readyStatus = (over: Partial<NonNullable<VolumeGroupSnapshotContent['status']>> = {}): VolumeGroupSnapshotContent['status'] => ({
  volumeGroupSnapshotHandle: 'g1',
  readyToUse: true,
  creationTime: '2026-01-01T00:00:00Z',
  volumeSnapshotInfoList: [
    { volumeHandle: 'vh1', snapshotHandle: 's1' },
    { volumeHandle: 'vh2', snapshotHandle: 's2' },
  ],
  ...over,
});

describe('create (34–36, 40)', () => {
  test('36. success: CreateVolumeGroupSnapshot(groupsnapshot-<uid>, both volumes, group metadata) → ready status with the member list; annotation added then removed; no events', async () => {
    const w = groupWorld();
    w.api.seed(group());
    expect(await w.sync(NAME)).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls).toEqual([
      {
        method: 'CreateVolumeGroupSnapshot',
        request: {
          name: 'groupsnapshot-vgsuid1',
          sourceVolumeIds: ['vh1', 'vh2'],
          parameters: { param1: 'v1', [K.META_GROUP_NAME]: 'vgs1', [K.META_GROUP_NAMESPACE]: 'ns1', [K.META_GROUP_CONTENT_NAME]: NAME },
          secrets: {},
        },
      },
    ]);
    const after = w.api.current(NAME);
    expect(after?.status).toEqual({
      volumeGroupSnapshotHandle: 'group-1',
      readyToUse: true,
      creationTime: '2023-11-14T22:13:20Z',
      volumeSnapshotInfoList: [
        { volumeHandle: 'vh1', snapshotHandle: 'snap-2', creationTime: 1_700_000_000_123_456_789n, readyToUse: true, restoreSize: 1024n },
        { volumeHandle: 'vh2', snapshotHandle: 'snap-3', creationTime: 1_700_000_000_123_456_789n, readyToUse: true, restoreSize: 1024n },
      ],
    });
    expect(ann(after)).toEqual({});
    expect(w.api.writes().map((r) => [r.patch?.type, r.subresource ?? 'main'])).toEqual([
      ['merge', 'main'],
      ['merge', 'status'],
      ['merge', 'main'],
    ]);
    expect(w.events).toEqual([]);
  });

  test('the status write is a merge patch carrying the resourceVersion it was computed from (no PUT, no GET)', async () => {
    const w = groupWorld();
    w.api.seed(group());
    await w.sync(NAME);
    const statusWrite = w.api.writes().find((r) => r.subresource === 'status');
    expect(statusWrite?.patch?.type).toBe('merge');
    const body = statusWrite?.patch?.type === 'merge' ? statusWrite.patch.body : {};
    expect((body.metadata as { resourceVersion?: string }).resourceVersion).toMatch(/^\d+$/);
    expect(w.api.requests.filter((r) => r.verb === 'get')).toEqual([]);
  });

  test('36. created not ready → poll; re-created with the same name until ready; never a second group', async () => {
    const w = groupWorld();
    w.snapshotter.readyAnswers = [false, false, true];
    w.api.seed(group());
    expect(await w.sync(NAME)).toEqual({ kind: 'poll', stage: 'create' });
    expect(w.api.current(NAME)?.status).toMatchObject({ volumeGroupSnapshotHandle: 'group-1', readyToUse: false });
    // The handle is recorded: the being-created annotation no longer protects anything.
    expect(ann(w.api.current(NAME))).toEqual({});
    const writes = w.api.writes().length;
    expect(await w.sync(NAME)).toEqual({ kind: 'poll', stage: 'create' });
    expect(w.api.writes().length).toBe(writes);
    expect(await w.sync(NAME)).toEqual({ kind: 'done' });
    expect(w.api.current(NAME)?.status?.readyToUse).toBe(true);
    expect(w.snapshotter.count('CreateVolumeGroupSnapshot')).toBe(3);
    expect(w.snapshotter.groups.size).toBe(1);
  });

  test('40. an existing status with an empty member list gets the list from the driver; the handle stays', async () => {
    const w = groupWorld();
    w.api.seed(group({ status: { volumeGroupSnapshotHandle: 'gOld', readyToUse: false, volumeSnapshotInfoList: [] } }));
    await w.sync(NAME);
    const st = w.api.current(NAME)?.status;
    expect(st?.volumeGroupSnapshotHandle).toBe('gOld');
    expect(st?.readyToUse).toBe(true);
    expect(st?.volumeSnapshotInfoList?.map((i) => i.volumeHandle)).toEqual(['vh1', 'vh2']);
  });

  test('34. a failed create → status.error + GroupSnapshotCreationFailed event + error result (retried)', async () => {
    const w = groupWorld();
    w.snapshotter.fail('CreateVolumeGroupSnapshot', rpcError('Unavailable', 'driver busy'));
    w.api.seed(group());
    const r = await w.sync(NAME);
    expect(r.kind).toBe('error');
    const st = w.api.current(NAME)?.status;
    expect(st?.readyToUse).toBe(false);
    expect(st?.error?.message).toContain('Failed to create group snapshot: failed to take group snapshot of the volumes [vh1 vh2]: "rpc error: code = Unavailable desc = driver busy"');
    expect(w.events).toEqual([{ kind: 'VolumeGroupSnapshotContent', reason: 'GroupSnapshotCreationFailed', message: st?.error?.message }]);
    // Unavailable is not final: the driver may have cut the group; deletion must wait for it.
    expect(ann(w.api.current(NAME))[K.ANN_GROUP_BEING_CREATED]).toBe('yes');
  });

  test('35. a final gRPC error removes the group being-created annotation', async () => {
    const w = groupWorld();
    w.snapshotter.fail('CreateVolumeGroupSnapshot', rpcError('InvalidArgument', 'bad'));
    w.api.seed(group());
    expect((await w.sync(NAME)).kind).toBe('error');
    expect(ann(w.api.current(NAME))[K.ANN_GROUP_BEING_CREATED]).toBeUndefined();
  });

  test('a valid group deletion secret is sent with the create', async () => {
    const w = groupWorld();
    w.api.seed(group({ annotations: { [K.ANN_GROUP_DELETION_SECRET_NAME]: 'secret', [K.ANN_GROUP_DELETION_SECRET_NAMESPACE]: 'default' } }));
    await w.sync(NAME);
    expect((w.snapshotter.calls[0]?.request as { secrets: unknown }).secrets).toEqual({ foo: 'bar' });
  });
});

describe('invalid group objects: the same clear status errors and events as single ones (33)', () => {
  test.each([
    ['unbound (empty ref UID)', { uid: '' }, 'failed to take group snapshot of the volumes [vh1 vh2]: "cannot create group snapshot. Group snapshot content groupcontent1 not bound to a group snapshot"'],
    ['no class', { className: null }, 'failed to take group snapshot groupcontent1 without a group snapshot class'],
    ['missing class', { className: 'nope' }, 'volumegroupsnapshotclass.groupsnapshot.storage.k8s.io \\"nope\\" not found'],
    ['class of another driver', { className: 'other' }, 'class other is for driver other.csi.k8s.io'],
    ['half-set deletion secret annotations', { annotations: { [K.ANN_GROUP_DELETION_SECRET_NAME]: 's' } }, `annotation ${K.ANN_GROUP_DELETION_SECRET_NAMESPACE} is missing`],
  ] as const)('%s → GroupSnapshotCreationFailed with a remedy, no RPC, no being-created annotation', async (_name, spec, text) => {
    const w = groupWorld();
    w.api.seed(group(spec as GroupSpec));
    expect((await w.sync(NAME)).kind).toBe('error');
    const msg = w.api.current(NAME)?.status?.error?.message ?? '';
    expect(msg.startsWith('Failed to create group snapshot: ')).toBe(true);
    expect(msg).toContain(text);
    expect(msg).toContain('Remedy: ');
    expect(w.events.map((e) => e.reason)).toEqual(['GroupSnapshotCreationFailed']);
    expect(w.snapshotter.calls).toEqual([]);
    expect(ann(w.api.current(NAME))[K.ANN_GROUP_BEING_CREATED]).toBeUndefined();
  });

  test('the same failure again writes nothing and emits no new event', async () => {
    const w = groupWorld();
    w.api.seed(group({ className: 'nope' }));
    await w.sync(NAME);
    await w.sync(NAME);
    const writes = w.api.writes().length;
    const events = w.events.length;
    await w.sync(NAME);
    expect(w.api.writes().length).toBe(writes);
    expect(w.events.length).toBe(events);
  });
});

describe('pre-provisioned check (37)', () => {
  function seeded(ready: boolean) {
    const w = groupWorld();
    w.snapshotter.groups.set('g9', { name: 'x', groupSnapshotId: 'g9', snapshots: [], creationTimeNs: 5_000_000_000n, readyToUse: ready });
    w.api.seed(group({ pre: { handle: 'g9', members: ['m1', 'm2'] }, className: null }));
    return w;
  }
  test('ready → GetVolumeGroupSnapshot(handle, spec member ids) → status with an empty member list; done', async () => {
    const w = seeded(true);
    expect(await w.sync(NAME)).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls).toEqual([{ method: 'GetVolumeGroupSnapshot', request: { groupSnapshotId: 'g9', snapshotIds: ['m1', 'm2'], secrets: {} } }]);
    expect(w.api.current(NAME)?.status).toEqual({ volumeGroupSnapshotHandle: 'g9', readyToUse: true, creationTime: '1970-01-01T00:00:05Z' });
  });
  test('not ready → poll', async () => {
    const w = seeded(false);
    expect(await w.sync(NAME)).toEqual({ kind: 'poll', stage: 'refresh' });
  });
  test('a driver error → error status + GroupSnapshotContentCheckandUpdateFailed + error result', async () => {
    const w = seeded(true);
    w.snapshotter.fail('GetVolumeGroupSnapshot', rpcError('Internal', 'boom'));
    expect((await w.sync(NAME)).kind).toBe('error');
    expect(w.api.current(NAME)?.status?.error?.message).toContain('Failed to check and update group snapshot content: ');
    expect(w.events.map((e) => e.reason)).toEqual(['GroupSnapshotContentCheckandUpdateFailed']);
  });
  test('a group the driver does not know → error status naming the handle', async () => {
    const w = groupWorld();
    w.api.seed(group({ pre: { handle: 'nope', members: ['m1'] }, className: null }));
    expect((await w.sync(NAME)).kind).toBe('error');
    expect(w.api.current(NAME)?.status?.error?.message).toContain('nope');
  });
  test('33. no member snapshot ids → upstream "No snapshots found" error, no RPC', async () => {
    const w = groupWorld();
    w.api.seed(group({ pre: { handle: 'g9', members: [] }, className: null }));
    expect((await w.sync(NAME)).kind).toBe('error');
    expect(w.api.current(NAME)?.status?.error?.message).toContain('cannot list group snapshot groupcontent1. No snapshots found in the group snapshot content');
    expect(w.snapshotter.calls).toEqual([]);
  });
  test('ready pre-provisioned, not deleting: no RPC, no write', async () => {
    const w = groupWorld();
    w.api.seed(group({ pre: { handle: 'g9', members: ['m1'] }, status: readyStatus({ volumeGroupSnapshotHandle: 'g9', volumeSnapshotInfoList: [] }) }));
    expect(await w.sync(NAME)).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls).toEqual([]);
    expect(w.api.writes()).toEqual([]);
  });
});

describe('delete (31, 33, 38, 39)', () => {
  test('38. Delete policy: DeleteVolumeGroupSnapshot(status handle, member ids from status) → status cleared → finalizer removed; 2 writes', async () => {
    const w = groupWorld();
    w.snapshotter.groups.set('g1', { name: 'x', groupSnapshotId: 'g1', snapshots: [], creationTimeNs: null, readyToUse: true });
    w.api.seed(group({ ...deletingMarked, status: readyStatus() }));
    expect(await w.sync(NAME)).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls).toEqual([{ method: 'DeleteVolumeGroupSnapshot', request: { groupSnapshotId: 'g1', snapshotIds: ['s1', 's2'], secrets: {} } }]);
    expect(w.snapshotter.groups.size).toBe(0);
    const after = w.api.current(NAME);
    expect(after?.status?.volumeGroupSnapshotHandle).toBeUndefined();
    expect(after?.status?.readyToUse).toBeUndefined();
    expect(after?.metadata.finalizers).toEqual([]);
    expect(w.api.writes()).toHaveLength(2);
    expect(w.events).toEqual([]);
  });

  test('33. pre-provisioned Delete before any status: the handle and member ids come from spec', async () => {
    const w = groupWorld();
    w.api.seed(group({ ...deletingMarked, pre: { handle: 'g9', members: ['m1', 'm2'] }, className: null }));
    expect(await w.sync(NAME)).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls).toEqual([{ method: 'DeleteVolumeGroupSnapshot', request: { groupSnapshotId: 'g9', snapshotIds: ['m1', 'm2'], secrets: {} } }]);
    expect(w.api.current(NAME)?.metadata.finalizers).toEqual([]);
  });

  test('33. no member ids anywhere → "No snapshots found" delete error, finalizer kept', async () => {
    const w = groupWorld();
    w.api.seed(group({ ...deletingMarked, status: readyStatus({ volumeSnapshotInfoList: [] }) }));
    expect((await w.sync(NAME)).kind).toBe('error');
    expect(w.api.current(NAME)?.status?.error?.message).toContain('cannot delete group snapshot content groupcontent1. No snapshots found in the group snapshot');
    expect(w.events.map((e) => [e.reason, e.message])).toEqual([['GroupSnapshotDeleteError', 'Failed to delete group snapshot']]);
    expect(w.api.current(NAME)?.metadata.finalizers).toEqual([K.FINALIZER_GROUP_CONTENT]);
  });

  test('a driver delete error → GroupSnapshotDeleteError event; handle and finalizer kept; retried', async () => {
    const w = groupWorld();
    w.snapshotter.fail('DeleteVolumeGroupSnapshot', rpcError('FailedPrecondition', 'in use'));
    w.api.seed(group({ ...deletingMarked, status: readyStatus() }));
    expect((await w.sync(NAME)).kind).toBe('error');
    expect(w.events.map((e) => [e.reason, e.message])).toEqual([['GroupSnapshotDeleteError', 'Failed to delete group snapshot']]);
    expect(w.api.current(NAME)?.status?.volumeGroupSnapshotHandle).toBe('g1');
    expect(w.api.current(NAME)?.metadata.finalizers).toEqual([K.FINALIZER_GROUP_CONTENT]);
  });

  test('38. the finalizer patch fails after the handle was cleared → error (retried); the next pass only removes the finalizer', async () => {
    const w = groupWorld();
    w.api.seed(group({ ...deletingMarked, status: readyStatus() }));
    let patches = 0;
    const orig = w.api.patch.bind(w.api);
    w.api.patch = async (name, patch, o) => {
      if (++patches === 2) w.api.failNext('patch', 500);
      return orig(name, patch, o);
    };
    expect((await w.sync(NAME)).kind).toBe('error');
    expect(w.api.current(NAME)?.status?.volumeGroupSnapshotHandle).toBeUndefined();
    expect(w.api.current(NAME)?.metadata.finalizers).toEqual([K.FINALIZER_GROUP_CONTENT]);
    expect(await w.sync(NAME)).toEqual({ kind: 'done' });
    expect(w.snapshotter.count('DeleteVolumeGroupSnapshot')).toBe(1);
    expect(w.api.current(NAME)?.metadata.finalizers).toEqual([]);
  });

  test('39. Retain + being-deleted: finalizer removed, no RPC, status untouched', async () => {
    const w = groupWorld();
    w.api.seed(group({ ...deletingMarked, policy: 'Retain', status: readyStatus() }));
    expect(await w.sync(NAME)).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls).toEqual([]);
    expect(w.api.current(NAME)?.status?.volumeGroupSnapshotHandle).toBe('g1');
    expect(w.api.current(NAME)?.metadata.finalizers).toEqual([]);
  });

  test('39. ready with the being-created annotation left over: the annotation is removed, nothing else', async () => {
    const w = groupWorld();
    w.api.seed(group({ annotations: { [K.ANN_GROUP_BEING_CREATED]: 'yes' }, status: readyStatus() }));
    expect(await w.sync(NAME)).toEqual({ kind: 'done' });
    expect(ann(w.api.current(NAME))).toEqual({});
    expect(w.snapshotter.calls).toEqual([]);
  });

  test.each([
    ['31. no deletionTimestamp → not deleted', {}, 'done', 0],
    ['31. deletionTimestamp only (snapshot-controller has not marked it) → wait, no RPC', { deleting: true }, 'poll', 0],
    ['31. being-deleted annotation → deleted on the driver', deletingMarked, 'done', 1],
  ] as const)('%s', async (_name, spec, result, deletes) => {
    const w = groupWorld();
    w.api.seed(group({ ...(spec as GroupSpec), status: readyStatus() }));
    expect((await w.sync(NAME)).kind).toBe(result);
    expect(w.snapshotter.count('DeleteVolumeGroupSnapshot')).toBe(deletes);
  });

  test('31. unbound pre-provisioned with deletionTimestamp → deleted even without the being-deleted annotation', async () => {
    const w = groupWorld();
    w.api.seed(group({ deleting: true, uid: '', pre: { handle: 'g9', members: ['m1'] }, className: null, status: readyStatus({ volumeGroupSnapshotHandle: 'g9', volumeSnapshotInfoList: [] }) }));
    expect(await w.sync(NAME)).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls).toEqual([{ method: 'DeleteVolumeGroupSnapshot', request: { groupSnapshotId: 'g9', snapshotIds: ['m1'], secrets: {} } }]);
  });

  test('31. being-created wins over being-deleted: the create finishes first, then the group is deleted in the same pass', async () => {
    const w = groupWorld();
    w.api.seed(group({ deleting: true, annotations: { [K.ANN_GROUP_BEING_CREATED]: 'yes', [K.ANN_GROUP_BEING_DELETED]: 'yes' } }));
    expect(await w.sync(NAME)).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls.map((c) => c.method)).toEqual(['CreateVolumeGroupSnapshot', 'DeleteVolumeGroupSnapshot']);
    expect(w.snapshotter.groups.size).toBe(0);
    expect(w.api.current(NAME)?.metadata.finalizers).toEqual([]);
  });
});

describe('32. which group contents are ours', () => {
  test.each([
    ['no source', group({ volumeHandles: [] }), false],
    ['another driver', group({ driver: 'other' }), false],
    ['our driver, no class', group({ className: null }), true],
    ['our driver, volume handles', group(), true],
    ['our driver, pre-provisioned handles', group({ pre: { handle: 'g', members: ['m'] } }), true],
  ] as const)('%s → %s', (_name, obj, ours) => {
    expect(isOurContent(groupKind.toView(obj), DRIVER)).toBe(ours);
  });

  test('a class of another driver is not silently skipped: it is a status error naming both drivers', async () => {
    const w = groupWorld();
    w.api.seed(group({ className: 'other' }));
    await w.sync(NAME);
    expect(w.api.current(NAME)?.status?.error?.message).toContain(`class other is for driver other.csi.k8s.io, not ${DRIVER}`);
  });
});

describe('the own-write filter holds for group contents (#1488)', () => {
  test('watch events of our own writes never enqueue; a change by someone else does', async () => {
    const w = groupWorld();
    const queued: string[] = [];
    const handler = contentEventHandler({ adapter: groupKind, driverName: DRIVER, store: w.store, ownWrites: w.ownWrites, enqueue: (k) => queued.push(k), listed: () => true, log: nullLogger });
    const seeded = w.api.seed(group());
    handler('ADDED', undefined, seeded);
    expect(queued).toEqual([NAME]);
    w.snapshotter.readyAnswers = [false];
    // Replay every write of the pass as the watch would deliver it.
    let previous = seeded;
    const orig = w.api.patch.bind(w.api);
    w.api.patch = async (name, patch, o) => {
      const out = await orig(name, patch, o);
      handler('MODIFIED', previous, out);
      previous = out;
      return out;
    };
    await w.sync(NAME);
    expect(w.api.writes().length).toBeGreaterThanOrEqual(2);
    expect(queued).toEqual([NAME]);
    w.api.mutate(NAME, (o) => { (o.metadata as { labels?: Record<string, string> }).labels = { team: 'a' }; });
    handler('MODIFIED', previous, w.api.current(NAME) as VolumeGroupSnapshotContent);
    expect(queued).toEqual([NAME, NAME]);
  });
});

describe('member VolumeSnapshotContents of a group (single kind)', () => {
  function member(over: { status?: VolumeSnapshotContent['status']; deleting?: boolean; annotations?: Record<string, string> } = {}): VolumeSnapshotContent {
    // As the snapshot-controller builds them (groupsnapshot_controller_helper.go): a volume handle,
    // the group handle annotation, no class.
    return {
      metadata: {
        name: 'snapcontent-m1',
        annotations: { [K.ANN_GROUP_MEMBER_HANDLE]: 'g1', ...over.annotations },
        finalizers: [K.FINALIZER_CONTENT],
        ...(over.deleting ? { deletionTimestamp: '2026-11-23T10:00:00Z' } : {}),
      },
      spec: { deletionPolicy: 'Delete', driver: DRIVER, source: { volumeHandle: 'vh1' }, volumeSnapshotRef: { kind: 'VolumeSnapshot', name: 'snapshot-m1', namespace: 'ns1', uid: 'm1uid' } },
      ...(over.status ? { status: over.status } : {}),
    };
  }

  test('before the snapshot-controller records its handles: wait, never CreateSnapshot, no write', async () => {
    const w = world(singleKind);
    w.api.seed(member());
    expect(await w.sync('snapcontent-m1')).toEqual({ kind: 'poll', stage: 'wait' });
    expect(w.snapshotter.calls).toEqual([]);
    expect(w.api.writes()).toEqual([]);
  });

  test('not ready with its handles: refreshed by ListSnapshots, never CreateSnapshot', async () => {
    const w = world(singleKind);
    w.snapshotter.snapshots.set('s1', { name: 'x', snapshotId: 's1', sourceVolumeId: 'vh1', creationTimeNs: 5n, sizeBytes: 7n, readyToUse: true, groupSnapshotId: 'g1' });
    w.api.seed(member({ status: { snapshotHandle: 's1', volumeGroupSnapshotHandle: 'g1', readyToUse: false } }));
    expect(await w.sync('snapcontent-m1')).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls.map((c) => c.method)).toEqual(['ListSnapshots']);
    expect(w.api.current('snapcontent-m1')?.status?.readyToUse).toBe(true);
  });

  test('deleted with its group: no DeleteSnapshot, only the finalizer goes', async () => {
    const w = world(singleKind);
    w.api.seed(member({ deleting: true, annotations: { [K.ANN_BEING_DELETED]: 'yes' }, status: { snapshotHandle: 's1', volumeGroupSnapshotHandle: 'g1', readyToUse: true } }));
    expect(await w.sync('snapcontent-m1')).toEqual({ kind: 'done' });
    expect(w.snapshotter.calls).toEqual([]);
    expect(w.api.current('snapcontent-m1')?.metadata.finalizers).toEqual([]);
    expect(w.api.current('snapcontent-m1')?.status?.snapshotHandle).toBe('s1');
  });
});
