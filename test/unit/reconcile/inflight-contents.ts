// The VolumeSnapshotContents of the backend concurrency limit tests (inflight-limit*.test.ts): a
// content of class `plain` for one volume, or a pre-provisioned one, or (deleting) one the
// snapshot-controller has marked for deletion.
import type { VolumeSnapshotContent } from '../../../src/kube/types.js';
import * as K from '../../../src/snapshot/keys.js';

export const DRIVER = 'hostpath.csi.k8s.io';

export function content(name: string, opts: { volumeHandle?: string; snapshotHandle?: string; deleting?: boolean; status?: Record<string, unknown> } = {}): VolumeSnapshotContent {
  const source = opts.snapshotHandle !== undefined ? { snapshotHandle: opts.snapshotHandle } : { volumeHandle: opts.volumeHandle ?? 'vol-1' };
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: {
      name,
      uid: `uid-${name}`,
      finalizers: [K.FINALIZER_CONTENT],
      // The snapshot-controller marks a content being deleted before the sidecar may delete it.
      ...(opts.deleting ? { deletionTimestamp: '2026-12-06T10:00:00Z', annotations: { [K.ANN_BEING_DELETED]: 'yes' } } : {}),
    },
    spec: { deletionPolicy: 'Delete', driver: DRIVER, source, volumeSnapshotClassName: 'plain', volumeSnapshotRef: { kind: 'VolumeSnapshot', name: `vs-${name}`, namespace: 'ns1', uid: `vsuid-${name}` } },
    ...(opts.status ? { status: opts.status as VolumeSnapshotContent['status'] } : {}),
  };
}
