// Coordinates of the cluster-scoped custom resources the sidecar reads and writes. The group kinds
// are served at v1 (storage version v1beta2 — conversion is the apiserver's business).

export interface ResourceCoordinates {
  readonly group: string;
  readonly version: string;
  /** URL segment, e.g. `volumesnapshotcontents`. */
  readonly plural: string;
  readonly kind: string;
  /** All four kinds are cluster-scoped; kept explicit for event routing and paths. */
  readonly clusterScoped: true;
}

export function apiVersionOf(r: ResourceCoordinates): string {
  return `${r.group}/${r.version}`;
}

/** `/apis/<group>/<version>/<plural>` (cluster-scoped collection path). */
export function collectionPath(r: ResourceCoordinates): string {
  return `/apis/${r.group}/${r.version}/${r.plural}`;
}

export const VOLUME_SNAPSHOT_CONTENT: ResourceCoordinates = {
  group: 'snapshot.storage.k8s.io',
  version: 'v1',
  plural: 'volumesnapshotcontents',
  kind: 'VolumeSnapshotContent',
  clusterScoped: true,
};

export const VOLUME_SNAPSHOT_CLASS: ResourceCoordinates = {
  group: 'snapshot.storage.k8s.io',
  version: 'v1',
  plural: 'volumesnapshotclasses',
  kind: 'VolumeSnapshotClass',
  clusterScoped: true,
};

export const VOLUME_GROUP_SNAPSHOT_CONTENT: ResourceCoordinates = {
  group: 'groupsnapshot.storage.k8s.io',
  version: 'v1',
  plural: 'volumegroupsnapshotcontents',
  kind: 'VolumeGroupSnapshotContent',
  clusterScoped: true,
};

export const VOLUME_GROUP_SNAPSHOT_CLASS: ResourceCoordinates = {
  group: 'groupsnapshot.storage.k8s.io',
  version: 'v1',
  plural: 'volumegroupsnapshotclasses',
  kind: 'VolumeGroupSnapshotClass',
  clusterScoped: true,
};
