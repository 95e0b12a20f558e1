// The group KindAdapter on its own: how a VolumeGroupSnapshotContent becomes a ContentView, the
// fill-the-gaps status merge (upstream updateGroupSnapshotContentStatus, §7.3 item 40) with the
// CRD's encodings, the status cleared after a delete, and which GroupController RPC serves what.
import { describe, expect, test } from '@jest/globals';
import type { DriverState } from '../../../src/kinds/kind-adapter.js';
import { rfc3339FromNs, volumeGroupSnapshotContentKind as kind } from '../../../src/kinds/volume-group-snapshot-content.js';
import type { VolumeGroupSnapshotContent } from '../../../src/kube/types.js';
import * as K from '../../../src/snapshot/keys.js';
import { FakeSnapshotter } from '../../support/fake-snapshotter.js';

function vgsc(over: { spec?: Partial<VolumeGroupSnapshotContent['spec']>; status?: VolumeGroupSnapshotContent['status']; annotations?: Record<string, string>; finalizers?: string[]; deleting?: boolean } = {}): VolumeGroupSnapshotContent {
  return {
    metadata: {
      name: 'groupcontent1',
      resourceVersion: '5',
      annotations: over.annotations ?? {},
      finalizers: over.finalizers ?? [K.FINALIZER_GROUP_CONTENT],
      ...(over.deleting ? { deletionTimestamp: '2026-11-23T10:00:00Z' } : {}),
    },
    spec: {
      deletionPolicy: 'Delete',
      driver: 'drv',
      source: { volumeHandles: ['vh1', 'vh2'] },
      volumeGroupSnapshotClassName: 'gold',
      volumeGroupSnapshotRef: { name: 'vgs1', namespace: 'ns1', uid: 'vgsuid' },
      ...over.spec,
    },
    ...(over.status ? { status: over.status } : {}),
  };
}

const member = (id: string, vol: string, over: Partial<DriverState['members'][number]> = {}) => ({
  snapshotId: id,
  sourceVolumeId: vol,
  creationTimeNs: 1_700_000_000_123_456_789n,
  sizeBytes: 1024n,
  readyToUse: true,
  groupSnapshotId: 'g1',
  ...over,
});

function state(over: Partial<DriverState> = {}): DriverState {
  return { handle: 'g1', readyToUse: true, creationTimeNs: 1_700_000_000_987_654_321n, sizeBytes: 0n, groupHandle: '', members: [member('s1', 'vh1'), member('s2', 'vh2')], ...over };
}

describe('toView', () => {
  test('dynamic: volume handles, group annotations, finalizer, ref and deletion-secret annotations', () => {
    const v = kind.toView(
      vgsc({
        annotations: {
          [K.ANN_GROUP_BEING_CREATED]: 'yes',
          [K.ANN_GROUP_BEING_DELETED]: 'yes',
          [K.ANN_GROUP_DELETION_SECRET_NAME]: 'sec',
          [K.ANN_GROUP_DELETION_SECRET_NAMESPACE]: 'ns',
          // The single kind's annotations mean nothing on a group content.
          [K.ANN_BEING_CREATED]: 'yes',
        },
        deleting: true,
      }),
    );
    expect(v).toMatchObject({
      name: 'groupcontent1',
      deleting: true,
      className: 'gold',
      boundUid: 'vgsuid',
      boundName: 'vgs1',
      boundNamespace: 'ns1',
      source: { type: 'dynamic', volumeHandles: ['vh1', 'vh2'] },
      beingCreated: true,
      beingDeleted: true,
      groupMember: false,
      hasFinalizer: true,
      secretAnnotations: { name: 'sec', namespace: 'ns' },
      status: undefined,
    });
    expect(v.vocabulary.kind).toBe('VolumeGroupSnapshotContent');
  });

  test('pre-provisioned: the group handle and the member snapshot handles from spec', () => {
    const v = kind.toView(vgsc({ spec: { source: { groupSnapshotHandles: { volumeGroupSnapshotHandle: 'g9', volumeSnapshotHandles: ['a', 'b'] } } } }));
    expect(v.source).toEqual({ type: 'pre-provisioned', handle: 'g9', memberHandles: ['a', 'b'] });
  });

  test.each([
    ['no source at all', {}],
    ['an empty volumeHandles list (upstream isDriverMatch)', { volumeHandles: [] }],
  ])('%s is no source', (_name, source) => {
    expect(kind.toView(vgsc({ spec: { source } })).source).toEqual({ type: 'none' });
  });

  test('status: group handle, readiness, error and the member snapshot handles', () => {
    const v = kind.toView(
      vgsc({
        status: {
          volumeGroupSnapshotHandle: 'g1',
          readyToUse: false,
          error: { message: 'boom' },
          volumeSnapshotInfoList: [{ volumeHandle: 'vh1', snapshotHandle: 's1' }, { volumeHandle: 'vh2', snapshotHandle: 's2' }],
        },
      }),
    );
    expect(v.status).toEqual({ handle: 'g1', groupHandle: undefined, readyToUse: false, errorMessage: 'boom', memberHandles: ['s1', 's2'] });
  });
});

describe('statusPatch (40)', () => {
  test('no status: handle, readiness, RFC 3339 creationTime and one info entry per driver snapshot', () => {
    const patch = kind.statusPatch(vgsc(), state({ members: [member('s1', 'vh1'), member('s2', 'vh2', { sizeBytes: 0n, creationTimeNs: null, readyToUse: false })] }), 0n);
    expect(patch).toEqual({
      volumeGroupSnapshotHandle: 'g1',
      readyToUse: true,
      creationTime: '2023-11-14T22:13:20Z',
      volumeSnapshotInfoList: [
        { volumeHandle: 'vh1', snapshotHandle: 's1', creationTime: 1_700_000_000_123_456_789n, readyToUse: true, restoreSize: 1024n },
        // Unset creation time and a zero size are omitted, as upstream.
        { volumeHandle: 'vh2', snapshotHandle: 's2', readyToUse: false },
      ],
    });
  });

  test('a driver without creation_time gets "now"', () => {
    const patch = kind.statusPatch(vgsc(), state({ creationTimeNs: null }), 1_767_225_600_000_000_000n);
    expect(patch?.creationTime).toBe('2026-01-01T00:00:00Z');
  });

  test('existing status with an empty list: the list is filled once; the handle is never overwritten', () => {
    const obj = vgsc({ status: { volumeGroupSnapshotHandle: 'gOld', readyToUse: true, creationTime: '2026-01-01T00:00:00Z', volumeSnapshotInfoList: [] } });
    expect(kind.statusPatch(obj, state(), 0n)).toEqual({
      volumeSnapshotInfoList: [
        { volumeHandle: 'vh1', snapshotHandle: 's1', creationTime: 1_700_000_000_123_456_789n, readyToUse: true, restoreSize: 1024n },
        { volumeHandle: 'vh2', snapshotHandle: 's2', creationTime: 1_700_000_000_123_456_789n, readyToUse: true, restoreSize: 1024n },
      ],
    });
  });

  test('becoming ready clears the error', () => {
    const obj = vgsc({ status: { volumeGroupSnapshotHandle: 'g1', readyToUse: false, creationTime: 'x', error: { message: 'm' }, volumeSnapshotInfoList: [{ snapshotHandle: 's1' }] } });
    expect(kind.statusPatch(obj, state(), 0n)).toEqual({ readyToUse: true, error: null });
  });

  test('nothing missing and readiness unchanged: no write', () => {
    const obj = vgsc({ status: { volumeGroupSnapshotHandle: 'g1', readyToUse: true, creationTime: 'x', volumeSnapshotInfoList: [{ snapshotHandle: 's1' }] } });
    expect(kind.statusPatch(obj, state(), 0n)).toBeNull();
  });

  test('rfc3339FromNs truncates to whole seconds in UTC', () => {
    expect(rfc3339FromNs(1_700_000_000_999_999_999n)).toBe('2023-11-14T22:13:20Z');
  });
});

describe('clearedStatus (38)', () => {
  test('clears handle, readiness, creationTime and error (upstream clearGroupSnapshotContentStatus); keeps the member list', () => {
    const obj = vgsc({ status: { volumeGroupSnapshotHandle: 'g1', readyToUse: true, creationTime: 'x', error: { message: 'm' }, volumeSnapshotInfoList: [{ snapshotHandle: 's1' }] } });
    expect(kind.clearedStatus(obj)).toEqual({ volumeGroupSnapshotHandle: null, readyToUse: null, creationTime: null, error: null });
  });
  test('an error left by a failed delete attempt is cleared once the delete succeeded', () => {
    expect(kind.clearedStatus(vgsc({ status: { error: { message: 'm' } } }))).toEqual({ error: null });
  });
  test('nothing to clear: no write', () => {
    expect(kind.clearedStatus(vgsc())).toBeNull();
    expect(kind.clearedStatus(vgsc({ status: { volumeSnapshotInfoList: [{ snapshotHandle: 's1' }] } }))).toBeNull();
  });
});

describe('RPCs', () => {
  const budget = { deadline: Number.MAX_SAFE_INTEGER, signal: new AbortController().signal };

  test('create → CreateVolumeGroupSnapshot(name, every volume handle, parameters, secrets) with the members in the answer', async () => {
    const s = new FakeSnapshotter();
    const st = await kind.create(s, { name: 'groupsnapshot-vgsuid', sourceVolumeHandles: ['vh1', 'vh2'], parameters: { p: 'v' }, secret: null }, { k: 'v' }, budget);
    expect(s.calls).toEqual([{ method: 'CreateVolumeGroupSnapshot', request: { name: 'groupsnapshot-vgsuid', sourceVolumeIds: ['vh1', 'vh2'], parameters: { p: 'v' }, secrets: { k: 'v' } } }]);
    expect(st.handle).toBe('group-1');
    expect(st.members.map((m) => m.sourceVolumeId)).toEqual(['vh1', 'vh2']);
  });

  test('refresh → GetVolumeGroupSnapshot(handle, member ids) and an empty member list (pre-provisioned, as upstream)', async () => {
    const s = new FakeSnapshotter();
    const created = await s.createVolumeGroupSnapshot({ name: 'n', sourceVolumeIds: ['a'], parameters: {}, secrets: {} });
    s.readyAnswers = [false];
    const answer = await kind.refresh(s, { handle: created.groupSnapshotId, memberHandles: ['x'], secret: null, mode: 'rpc' }, {}, budget);
    expect(s.calls.at(-1)).toEqual({ method: 'GetVolumeGroupSnapshot', request: { groupSnapshotId: created.groupSnapshotId, snapshotIds: ['x'], secrets: {} } });
    expect(answer).toMatchObject({ kind: 'state', state: { handle: created.groupSnapshotId, readyToUse: false, members: [] } });
  });

  test('refresh of a group the driver does not know (NotFound) is not-found, not a crash', async () => {
    expect(await kind.refresh(new FakeSnapshotter(), { handle: 'nope', memberHandles: ['x'], secret: null, mode: 'rpc' }, {}, budget)).toEqual({ kind: 'not-found' });
  });

  test('delete → DeleteVolumeGroupSnapshot(handle, member ids, secrets)', async () => {
    const s = new FakeSnapshotter();
    await kind.delete(s, { handle: 'g1', memberHandles: ['s1', 's2'], secret: null }, { k: 'v' }, budget);
    expect(s.calls).toEqual([{ method: 'DeleteVolumeGroupSnapshot', request: { groupSnapshotId: 'g1', snapshotIds: ['s1', 's2'], secrets: { k: 'v' } } }]);
  });
});
