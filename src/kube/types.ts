// Hand-written shapes of the objects we read, per the upstream CRDs (shared/upstream/crd, v1).
// Everything is readonly: objects come from the informer/store frozen and are never mutated.
// int64 fields arrive as number, or bigint when beyond 2^53 (kube-json.ts); VSC creationTime is
// Unix nanoseconds, so reads are approximate as numbers — only "set / not set" is meaningful —
// and writes must pass a bigint to stay exact.

export type Int64 = number | bigint;

/** The ObjectMeta fields the sidecar uses. */
export interface ObjectMeta {
  readonly name: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
  readonly deletionGracePeriodSeconds?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
  /** Stripped by the informer and the store (memory); present only on raw responses. */
  readonly managedFields?: readonly unknown[];
}

/** Any object with metadata (what the store, informer and client need). */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
}

export type DeletionPolicy = 'Delete' | 'Retain';

export interface ObjectReference {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly fieldPath?: string;
}

export interface SnapshotError {
  /** RFC 3339 date-time. */
  readonly time?: string;
  readonly message?: string;
}

// --- snapshot.storage.k8s.io/v1 ---

export interface VolumeSnapshotContentSpec {
  readonly deletionPolicy: DeletionPolicy;
  readonly driver: string;
  readonly source: { readonly volumeHandle?: string; readonly snapshotHandle?: string };
  readonly sourceVolumeMode?: string | null;
  readonly volumeSnapshotClassName?: string;
  readonly volumeSnapshotRef: ObjectReference;
}

export interface VolumeSnapshotContentStatus {
  /** Unix nanoseconds. */
  readonly creationTime?: Int64;
  readonly error?: SnapshotError;
  readonly readyToUse?: boolean;
  /** Bytes. */
  readonly restoreSize?: Int64;
  readonly snapshotHandle?: string;
  readonly volumeGroupSnapshotHandle?: string;
}

export interface VolumeSnapshotContent extends KubeObject {
  readonly spec: VolumeSnapshotContentSpec;
  readonly status?: VolumeSnapshotContentStatus;
}

export interface VolumeSnapshotClass extends KubeObject {
  readonly driver: string;
  readonly deletionPolicy: DeletionPolicy;
  readonly parameters?: Readonly<Record<string, string>>;
}

// --- groupsnapshot.storage.k8s.io/v1 ---

export interface VolumeGroupSnapshotContentSpec {
  readonly deletionPolicy: DeletionPolicy;
  readonly driver: string;
  readonly source: {
    readonly volumeHandles?: readonly string[];
    readonly groupSnapshotHandles?: {
      readonly volumeGroupSnapshotHandle: string;
      readonly volumeSnapshotHandles: readonly string[];
    };
  };
  readonly volumeGroupSnapshotClassName?: string;
  readonly volumeGroupSnapshotRef: ObjectReference;
}

export interface VolumeSnapshotInfo {
  readonly volumeHandle?: string;
  readonly snapshotHandle?: string;
  /** Unix nanoseconds. */
  readonly creationTime?: Int64;
  readonly readyToUse?: boolean;
  readonly restoreSize?: Int64;
}

export interface VolumeGroupSnapshotContentStatus {
  /** RFC 3339 date-time (metav1.Time), unlike the VSC's int64. */
  readonly creationTime?: string;
  readonly error?: SnapshotError;
  readonly readyToUse?: boolean;
  readonly volumeGroupSnapshotHandle?: string;
  readonly volumeSnapshotInfoList?: readonly VolumeSnapshotInfo[];
}

export interface VolumeGroupSnapshotContent extends KubeObject {
  readonly spec: VolumeGroupSnapshotContentSpec;
  readonly status?: VolumeGroupSnapshotContentStatus;
}

export interface VolumeGroupSnapshotClass extends KubeObject {
  readonly driver: string;
  readonly deletionPolicy: DeletionPolicy;
  readonly parameters?: Readonly<Record<string, string>>;
}
