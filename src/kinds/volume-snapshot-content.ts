// VolumeSnapshotContent (snapshot.storage.k8s.io/v1) as a KindAdapter: view, status merge and the
// Controller-service RPCs. Status fields and their encodings follow upstream §3.6.1: creationTime
// in Unix ns (written exactly), restoreSize only when > 0, the handle never overwritten.

import type { Snapshotter } from '../csi/snapshotter.js';
import type { VolumeSnapshotContent } from '../kube/types.js';
import * as K from '../snapshot/keys.js';
import { SINGLE } from '../snapshot/kind-vocabulary.js';
import type { ContentView, SourceView } from '../snapshot/content-view.js';
import { contentView } from './content-view-common.js';
import { clearedFields, mergeReadiness, nonEmpty } from './status-merge.js';
import type { DriverState, KindAdapter } from './kind-adapter.js';

function toView(obj: VolumeSnapshotContent): ContentView {
  const src = obj.spec.source ?? {};
  let source: SourceView = { type: 'none' };
  if (src.volumeHandle !== undefined && src.volumeHandle !== '') source = { type: 'dynamic', volumeHandles: [src.volumeHandle] };
  else if (src.snapshotHandle !== undefined && src.snapshotHandle !== '') source = { type: 'pre-provisioned', handle: src.snapshotHandle, memberHandles: [] };
  const st = obj.status ?? undefined;
  return contentView(SINGLE, obj, {
    className: obj.spec.volumeSnapshotClassName ?? undefined,
    boundRef: obj.spec.volumeSnapshotRef,
    source,
    groupMember: K.ANN_GROUP_MEMBER_HANDLE in (obj.metadata.annotations ?? {}),
    status:
      st === undefined
        ? undefined
        : {
            handle: st.snapshotHandle || undefined,
            groupHandle: st.volumeGroupSnapshotHandle || undefined,
            readyToUse: st.readyToUse,
            errorMessage: st.error?.message,
            memberHandles: [],
          },
  });
}

function statusPatch(obj: VolumeSnapshotContent, s: DriverState, nowNs: bigint): Record<string, unknown> | null {
  const cur = obj.status ?? undefined;
  const creationTime = s.creationTimeNs ?? nowNs;
  if (cur === undefined) {
    const fresh: Record<string, unknown> = { snapshotHandle: s.handle, readyToUse: s.readyToUse, creationTime };
    if (s.sizeBytes > 0n) fresh.restoreSize = s.sizeBytes;
    if (s.groupHandle !== '') fresh.volumeGroupSnapshotHandle = s.groupHandle;
    return fresh;
  }
  const patch: Record<string, unknown> = {};
  if (!cur.snapshotHandle) patch.snapshotHandle = s.handle;
  mergeReadiness(patch, cur, s.readyToUse);
  if (cur.creationTime === undefined || cur.creationTime === null) patch.creationTime = creationTime;
  if ((cur.restoreSize === undefined || cur.restoreSize === null) && s.sizeBytes > 0n) patch.restoreSize = s.sizeBytes;
  if (!cur.volumeGroupSnapshotHandle && s.groupHandle !== '') patch.volumeGroupSnapshotHandle = s.groupHandle;
  return nonEmpty(patch);
}

function clearedStatus(obj: VolumeSnapshotContent): Record<string, unknown> | null {
  return clearedFields(obj.status ?? undefined, ['snapshotHandle', 'readyToUse', 'creationTime', 'restoreSize']);
}

function fromSnapshot(s: { snapshotId: string; readyToUse: boolean; creationTimeNs: bigint | null; sizeBytes: bigint; groupSnapshotId: string }): DriverState {
  return { handle: s.snapshotId, readyToUse: s.readyToUse, creationTimeNs: s.creationTimeNs, sizeBytes: s.sizeBytes, groupHandle: s.groupSnapshotId, members: [] };
}

export const volumeSnapshotContentKind: KindAdapter<VolumeSnapshotContent> = {
  vocabulary: SINGLE,
  apiVersion: 'snapshot.storage.k8s.io/v1',
  toView,
  statusPatch,
  clearedStatus,
  async create(snapshotter: Snapshotter, request, secrets, budget) {
    const sourceVolumeId = request.sourceVolumeHandles[0] ?? '';
    const result = await snapshotter.createSnapshot({ name: request.name, sourceVolumeId, parameters: request.parameters, secrets }, budget);
    return fromSnapshot(result);
  },
  async refresh(snapshotter, request, secrets, budget) {
    if (request.mode === 'assume-ready') {
      return { kind: 'state', state: { handle: request.handle, readyToUse: true, creationTimeNs: null, sizeBytes: 0n, groupHandle: '', members: [] } };
    }
    const found = await snapshotter.listSnapshot({ snapshotId: request.handle, secrets }, budget);
    switch (found.kind) {
      case 'unsupported':
        return { kind: 'state', state: { handle: request.handle, readyToUse: true, creationTimeNs: null, sizeBytes: 0n, groupHandle: '', members: [] } };
      case 'not-found':
        return { kind: 'not-found' };
      case 'found':
        // The id we asked for is the handle we keep (upstream writes the requested id).
        return { kind: 'state', state: { ...fromSnapshot(found.snapshot), handle: request.handle } };
    }
  },
  async delete(snapshotter, request, secrets, budget) {
    await snapshotter.deleteSnapshot({ snapshotId: request.handle, secrets }, budget);
  },
};
