// VolumeGroupSnapshotContent (groupsnapshot.storage.k8s.io/v1) as a KindAdapter: view, status merge
// and the GroupController RPCs. Status follows upstream updateGroupSnapshotContentStatus (§4.3) with
// two deliberate differences: it is written by a merge patch with a resourceVersion precondition
// (like the single kind), never a PUT of the whole status; and every driver field is validated by
// the csi/ layer before it gets here. Encodings: creationTime is RFC 3339 (metav1.Time), while each
// volumeSnapshotInfoList entry carries its creationTime in Unix ns, as the CRD says.

import type { GroupSnapshotResult, SnapshotResult, Snapshotter } from '../csi/snapshotter.js';
import { CsiRpcError } from '../csi/grpc-errors.js';
import type { VolumeGroupSnapshotContent } from '../kube/types.js';
import { GROUP } from '../snapshot/kind-vocabulary.js';
import type { ContentView, SourceView } from '../snapshot/content-view.js';
import { contentView } from './content-view-common.js';
import { clearedFields, mergeReadiness, nonEmpty } from './status-merge.js';
import type { DriverState, KindAdapter } from './kind-adapter.js';

function toView(obj: VolumeGroupSnapshotContent): ContentView {
  const src = obj.spec.source ?? {};
  let source: SourceView = { type: 'none' };
  const volumeHandles = (src.volumeHandles ?? []).filter((h) => h !== '');
  const pre = src.groupSnapshotHandles;
  // Upstream isDriverMatch: a group content needs volume handles or pre-provisioned handles.
  if (volumeHandles.length > 0) source = { type: 'dynamic', volumeHandles };
  else if (pre !== undefined && pre.volumeGroupSnapshotHandle !== '') {
    source = { type: 'pre-provisioned', handle: pre.volumeGroupSnapshotHandle, memberHandles: pre.volumeSnapshotHandles ?? [] };
  }
  const st = obj.status ?? undefined;
  return contentView(GROUP, obj, {
    className: obj.spec.volumeGroupSnapshotClassName ?? undefined,
    boundRef: obj.spec.volumeGroupSnapshotRef,
    source,
    groupMember: false,
    status:
      st === undefined
        ? undefined
        : {
            handle: st.volumeGroupSnapshotHandle || undefined,
            groupHandle: undefined,
            readyToUse: st.readyToUse,
            errorMessage: st.error?.message,
            memberHandles: (st.volumeSnapshotInfoList ?? []).map((i) => i.snapshotHandle ?? '').filter((h) => h !== ''),
          },
  });
}

/** metav1.Time: RFC 3339 in UTC with whole seconds, as the Go client writes it. */
export function rfc3339FromNs(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  return new Date(Number(seconds) * 1000).toISOString().replace('.000Z', 'Z');
}

function infoEntry(s: SnapshotResult): Record<string, unknown> {
  const entry: Record<string, unknown> = { volumeHandle: s.sourceVolumeId, snapshotHandle: s.snapshotId, readyToUse: s.readyToUse };
  if (s.creationTimeNs !== null) entry.creationTime = s.creationTimeNs;
  if (s.sizeBytes > 0n) entry.restoreSize = s.sizeBytes;
  return entry;
}

function statusPatch(obj: VolumeGroupSnapshotContent, s: DriverState, nowNs: bigint): Record<string, unknown> | null {
  const cur = obj.status ?? undefined;
  const creationTime = rfc3339FromNs(s.creationTimeNs ?? nowNs);
  if (cur === undefined) {
    const fresh: Record<string, unknown> = { readyToUse: s.readyToUse, creationTime };
    if (s.handle !== '') fresh.volumeGroupSnapshotHandle = s.handle;
    if (s.members.length > 0) fresh.volumeSnapshotInfoList = s.members.map(infoEntry);
    return fresh;
  }
  const patch: Record<string, unknown> = {};
  // The handle is never overwritten (CRD: immutable once set); the list is filled once.
  if (!cur.volumeGroupSnapshotHandle && s.handle !== '') patch.volumeGroupSnapshotHandle = s.handle;
  mergeReadiness(patch, cur, s.readyToUse);
  if (!cur.creationTime) patch.creationTime = creationTime;
  if ((cur.volumeSnapshotInfoList ?? []).length === 0 && s.members.length > 0) patch.volumeSnapshotInfoList = s.members.map(infoEntry);
  return nonEmpty(patch);
}

function clearedStatus(obj: VolumeGroupSnapshotContent): Record<string, unknown> | null {
  // Upstream clearGroupSnapshotContentStatus clears these four and keeps the member list (the
  // single kind keeps its error; the group kind does not).
  return clearedFields(obj.status ?? undefined, ['volumeGroupSnapshotHandle', 'readyToUse', 'creationTime', 'error']);
}

function fromGroup(g: GroupSnapshotResult, members: readonly SnapshotResult[]): DriverState {
  return { handle: g.groupSnapshotId, readyToUse: g.readyToUse, creationTimeNs: g.creationTimeNs, sizeBytes: 0n, groupHandle: '', members };
}

export const volumeGroupSnapshotContentKind: KindAdapter<VolumeGroupSnapshotContent> = {
  vocabulary: GROUP,
  apiVersion: 'groupsnapshot.storage.k8s.io/v1',
  toView,
  statusPatch,
  clearedStatus,
  async create(snapshotter: Snapshotter, request, secrets, budget) {
    const result = await snapshotter.createVolumeGroupSnapshot(
      { name: request.name, sourceVolumeIds: request.sourceVolumeHandles, parameters: request.parameters, secrets },
      budget,
    );
    return fromGroup(result, result.snapshots);
  },
  async refresh(snapshotter, request, secrets, budget) {
    try {
      const result = await snapshotter.getVolumeGroupSnapshot({ groupSnapshotId: request.handle, snapshotIds: request.memberHandles, secrets }, budget);
      // Upstream writes a pre-provisioned group's status with an empty snapshot list: the member
      // contents of such a group are pre-provisioned by the user, not built from this list.
      return { kind: 'state', state: { ...fromGroup(result, []), handle: request.handle } };
    } catch (err) {
      if (err instanceof CsiRpcError && err.code === 'NotFound') return { kind: 'not-found' };
      throw err;
    }
  },
  async delete(snapshotter, request, secrets, budget) {
    await snapshotter.deleteVolumeGroupSnapshot({ groupSnapshotId: request.handle, snapshotIds: request.memberHandles, secrets }, budget);
  },
};
