// The port the reconciler uses to talk to the CSI driver about snapshots (upstream
// pkg/snapshotter + pkg/group_snapshotter). Domain-shaped: no protobuf types cross it, int64 is
// bigint, timestamps are Unix nanoseconds. Every method takes a CallBudget so the RPCs of one
// operation share one --timeout deadline. Failures are CsiRpcError (gRPC status; classify with
// isFinalCreateError), CsiResponseError (the driver answered nonsense), or the signal's reason.
// The implementation on a gRPC channel is ./grpc-snapshotter.ts.

import type { CallBudget } from './unary-call.js';

export type { CallBudget } from './unary-call.js';

export type Secrets = Readonly<Record<string, string>>;

export interface SnapshotResult {
  readonly snapshotId: string;
  readonly sourceVolumeId: string;
  /** Unix nanoseconds; null when the driver did not set creation_time. */
  readonly creationTimeNs: bigint | null;
  readonly sizeBytes: bigint;
  readonly readyToUse: boolean;
  /** "" unless the snapshot belongs to a group snapshot. */
  readonly groupSnapshotId: string;
}

export interface GroupSnapshotResult {
  readonly groupSnapshotId: string;
  readonly snapshots: readonly SnapshotResult[];
  readonly creationTimeNs: bigint | null;
  readonly readyToUse: boolean;
}

/** Result of looking a snapshot up by id (ListSnapshots or GetSnapshot). */
export type SnapshotLookup =
  | { readonly kind: 'unsupported' } // the driver lacks the capability; upstream then treats the snapshot as ready
  | { readonly kind: 'not-found' }
  | { readonly kind: 'found'; readonly snapshot: SnapshotResult };

export interface CreateSnapshotRequest {
  readonly name: string;
  readonly sourceVolumeId: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly secrets: Secrets;
}

export interface SnapshotIdRequest {
  readonly snapshotId: string;
  readonly secrets: Secrets;
}

export interface CreateGroupSnapshotRequest {
  readonly name: string;
  readonly sourceVolumeIds: readonly string[];
  readonly parameters: Readonly<Record<string, string>>;
  readonly secrets: Secrets;
}

export interface GroupSnapshotIdRequest {
  readonly groupSnapshotId: string;
  readonly snapshotIds: readonly string[];
  readonly secrets: Secrets;
}

export interface Snapshotter {
  /** GetPluginInfo, then CreateSnapshot, under one deadline (idempotent on `name`). */
  createSnapshot(request: CreateSnapshotRequest, budget: CallBudget): Promise<SnapshotResult>;
  deleteSnapshot(request: SnapshotIdRequest, budget: CallBudget): Promise<void>;
  /** ControllerGetCapabilities, then (if LIST_SNAPSHOTS) ListSnapshots by id. */
  listSnapshot(request: SnapshotIdRequest, budget: CallBudget): Promise<SnapshotLookup>;
  /** ControllerGetCapabilities, then (if GET_SNAPSHOT) GetSnapshot; NotFound → not-found. */
  getSnapshot(request: SnapshotIdRequest, budget: CallBudget): Promise<SnapshotLookup>;
  /** GetPluginInfo, then CreateVolumeGroupSnapshot, under one deadline. */
  createVolumeGroupSnapshot(request: CreateGroupSnapshotRequest, budget: CallBudget): Promise<GroupSnapshotResult>;
  deleteVolumeGroupSnapshot(request: GroupSnapshotIdRequest, budget: CallBudget): Promise<void>;
  getVolumeGroupSnapshot(request: GroupSnapshotIdRequest, budget: CallBudget): Promise<GroupSnapshotResult>;
}
