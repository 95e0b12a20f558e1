// Converts the driver's Snapshot / VolumeGroupSnapshot messages into the port's results, and
// rejects responses that break the CSI contract (missing message, empty id, unparsable int64)
// with a CsiResponseError naming the driver and RPC instead of letting a null slip through.

import { CodedError } from '../base/coded-error.js';
import type { Snapshot__Output } from '../gen/csi/v1/Snapshot.js';
import type { VolumeGroupSnapshot__Output } from '../gen/csi/v1/VolumeGroupSnapshot.js';
import type { Timestamp__Output } from '../gen/google/protobuf/Timestamp.js';
import type { GroupSnapshotResult, SnapshotResult } from './snapshotter.js';

/** Which response is being read, for error messages. */
export interface ResponseContext {
  readonly driverName: string;
  /** RPC name, e.g. `CreateSnapshot`. */
  readonly rpc: string;
}

/** The driver answered with a response the CSI spec does not allow. Not a gRPC status error. */
export class CsiResponseError extends CodedError<'InvalidDriverResponse'> {
  override readonly name = 'CsiResponseError';
  readonly driverName: string;
  readonly rpc: string;

  constructor(context: ResponseContext, problem: string) {
    super('InvalidDriverResponse', `CSI driver ${context.driverName} returned an invalid ${context.rpc} response: ${problem}`);
    this.driverName = context.driverName;
    this.rpc = context.rpc;
  }
}

const NANOS_PER_SECOND = 1_000_000_000n;

function parseInt64(value: string, context: ResponseContext, field: string): bigint {
  try {
    return BigInt(value);
  } catch {
    throw new CsiResponseError(context, `${field} ${JSON.stringify(value)} is not an integer`);
  }
}

/** Unix nanoseconds of a Timestamp (`seconds` arrives as a string: longs=String); null if unset. */
export function timestampToNs(timestamp: Timestamp__Output | null, context: ResponseContext): bigint | null {
  if (timestamp === null) return null;
  const seconds = parseInt64(timestamp.seconds, context, 'creation_time.seconds');
  return seconds * NANOS_PER_SECOND + BigInt(timestamp.nanos);
}

export function toSnapshotResult(snapshot: Snapshot__Output | null, context: ResponseContext): SnapshotResult {
  if (snapshot === null) throw new CsiResponseError(context, 'the snapshot message is missing');
  if (snapshot.snapshot_id === '') throw new CsiResponseError(context, 'snapshot_id is empty');
  return {
    snapshotId: snapshot.snapshot_id,
    sourceVolumeId: snapshot.source_volume_id,
    creationTimeNs: timestampToNs(snapshot.creation_time, context),
    sizeBytes: parseInt64(snapshot.size_bytes, context, 'size_bytes'),
    readyToUse: snapshot.ready_to_use,
    groupSnapshotId: snapshot.group_snapshot_id,
  };
}

export function toGroupSnapshotResult(
  group: VolumeGroupSnapshot__Output | null,
  context: ResponseContext,
): GroupSnapshotResult {
  if (group === null) throw new CsiResponseError(context, 'the group_snapshot message is missing');
  if (group.group_snapshot_id === '') throw new CsiResponseError(context, 'group_snapshot_id is empty');
  return {
    groupSnapshotId: group.group_snapshot_id,
    snapshots: group.snapshots.map((snapshot) => toSnapshotResult(snapshot, context)),
    creationTimeNs: timestampToNs(group.creation_time, context),
    readyToUse: group.ready_to_use,
  };
}
