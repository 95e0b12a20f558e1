// The wire-level names shared with the snapshot-controller and the upstream sidecar: annotations,
// finalizers, labels and reserved class parameters. They are part of the drop-in contract, so
// they are spelled exactly as upstream (pkg/utils/util.go) and never derived.

export const ANN_BEING_CREATED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-created';
export const ANN_BEING_DELETED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-deleted';
export const ANN_DELETION_SECRET_NAME = 'snapshot.storage.kubernetes.io/deletion-secret-name';
export const ANN_DELETION_SECRET_NAMESPACE = 'snapshot.storage.kubernetes.io/deletion-secret-namespace';
/** Marks a member content of a dynamic group snapshot (note `.k8s.io`, not `.kubernetes.io`). */
export const ANN_GROUP_MEMBER_HANDLE = 'groupsnapshot.storage.k8s.io/volumeGroupSnapshotHandle';
export const FINALIZER_CONTENT = 'snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection';
export const LABEL_MANAGED_BY = 'snapshot.storage.kubernetes.io/managed-by';

export const ANN_GROUP_BEING_CREATED = 'groupsnapshot.storage.kubernetes.io/volumegroupsnapshot-being-created';
export const ANN_GROUP_BEING_DELETED = 'groupsnapshot.storage.kubernetes.io/volumegroupsnapshot-being-deleted';
export const ANN_GROUP_DELETION_SECRET_NAME = 'groupsnapshot.storage.kubernetes.io/deletion-secret-name';
export const ANN_GROUP_DELETION_SECRET_NAMESPACE = 'groupsnapshot.storage.kubernetes.io/deletion-secret-namespace';
export const FINALIZER_GROUP_CONTENT = 'groupsnapshot.storage.kubernetes.io/volumegroupsnapshotcontent-bound-protection';

/** Every class parameter under this prefix is reserved; only the known keys below may appear. */
export const RESERVED_PARAMETER_PREFIX = 'csi.storage.k8s.io/';

export const PARAM_SNAPSHOTTER_SECRET_NAME = 'csi.storage.k8s.io/snapshotter-secret-name';
export const PARAM_SNAPSHOTTER_SECRET_NAMESPACE = 'csi.storage.k8s.io/snapshotter-secret-namespace';
export const PARAM_LIST_SECRET_NAME = 'csi.storage.k8s.io/snapshotter-list-secret-name';
export const PARAM_LIST_SECRET_NAMESPACE = 'csi.storage.k8s.io/snapshotter-list-secret-namespace';
export const PARAM_GROUP_SECRET_NAME = 'csi.storage.k8s.io/group-snapshotter-secret-name';
export const PARAM_GROUP_SECRET_NAMESPACE = 'csi.storage.k8s.io/group-snapshotter-secret-namespace';
export const PARAM_GROUP_GET_SECRET_NAME = 'csi.storage.k8s.io/group-snapshotter-get-secret-name';
export const PARAM_GROUP_GET_SECRET_NAMESPACE = 'csi.storage.k8s.io/group-snapshotter-get-secret-namespace';

/** The reserved keys upstream strips before CreateSnapshot; any other reserved key is an error. */
export const KNOWN_RESERVED_PARAMETERS: ReadonlySet<string> = new Set([
  PARAM_SNAPSHOTTER_SECRET_NAME,
  PARAM_SNAPSHOTTER_SECRET_NAMESPACE,
  PARAM_LIST_SECRET_NAME,
  PARAM_LIST_SECRET_NAMESPACE,
  PARAM_GROUP_SECRET_NAME,
  PARAM_GROUP_SECRET_NAMESPACE,
  PARAM_GROUP_GET_SECRET_NAME,
  PARAM_GROUP_GET_SECRET_NAMESPACE,
]);

/** --extra-create-metadata keys (single snapshots). */
export const META_SNAPSHOT_NAME = 'csi.storage.k8s.io/volumesnapshot/name';
export const META_SNAPSHOT_NAMESPACE = 'csi.storage.k8s.io/volumesnapshot/namespace';
export const META_CONTENT_NAME = 'csi.storage.k8s.io/volumesnapshotcontent/name';
/** --extra-create-metadata keys (group snapshots). */
export const META_GROUP_NAME = 'csi.storage.k8s.io/volumegroupsnapshot/name';
export const META_GROUP_NAMESPACE = 'csi.storage.k8s.io/volumegroupsnapshot/namespace';
export const META_GROUP_CONTENT_NAME = 'csi.storage.k8s.io/volumegroupsnapshotcontent/name';
