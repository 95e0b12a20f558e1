import { describe, expect, test } from '@jest/globals';
import {
  CsiResponseError,
  timestampToNs,
  toGroupSnapshotResult,
  toSnapshotResult,
} from '../../../src/csi/snapshot-message.js';

const context = { driverName: 'hostpath.csi.k8s.io', rpc: 'CreateSnapshot' };
const snapshot = {
  snapshot_id: 'snap-1',
  source_volume_id: 'vol-1',
  size_bytes: '9007199254740993',
  creation_time: { seconds: '1700000000', nanos: 123456789 },
  ready_to_use: true,
  group_snapshot_id: '',
};

describe('toSnapshotResult', () => {
  test('keeps int64 size and nanosecond time exact', () => {
    expect(toSnapshotResult(snapshot, context)).toEqual({
      snapshotId: 'snap-1',
      sourceVolumeId: 'vol-1',
      sizeBytes: 9007199254740993n,
      creationTimeNs: 1700000000123456789n,
      readyToUse: true,
      groupSnapshotId: '',
    });
  });

  test('an unset creation_time is null, not the epoch', () => {
    expect(toSnapshotResult({ ...snapshot, creation_time: null }, context).creationTimeNs).toBeNull();
    expect(timestampToNs({ seconds: '0', nanos: 0 }, context)).toBe(0n);
  });

  test.each([
    [null, 'the snapshot message is missing'],
    [{ ...snapshot, snapshot_id: '' }, 'snapshot_id is empty'],
    [{ ...snapshot, size_bytes: 'many' }, 'size_bytes "many" is not an integer'],
  ])('rejects an invalid response naming driver and RPC (%#)', (message, problem) => {
    expect(() => toSnapshotResult(message, context)).toThrow(
      new CsiResponseError(context, problem),
    );
    expect(() => toSnapshotResult(message, context)).toThrow(
      `CSI driver hostpath.csi.k8s.io returned an invalid CreateSnapshot response: ${problem}`,
    );
  });
});

describe('toGroupSnapshotResult', () => {
  const groupContext = { driverName: 'd', rpc: 'CreateVolumeGroupSnapshot' };

  test('converts the group and every member', () => {
    const result = toGroupSnapshotResult(
      {
        group_snapshot_id: 'group-1',
        snapshots: [{ ...snapshot, group_snapshot_id: 'group-1' }],
        creation_time: null,
        ready_to_use: false,
      },
      groupContext,
    );
    expect(result.groupSnapshotId).toBe('group-1');
    expect(result.creationTimeNs).toBeNull();
    expect(result.readyToUse).toBe(false);
    expect(result.snapshots.map((s) => [s.snapshotId, s.groupSnapshotId])).toEqual([['snap-1', 'group-1']]);
  });

  test('a missing group_snapshot or empty id is a CsiResponseError', () => {
    expect(() => toGroupSnapshotResult(null, groupContext)).toThrow(CsiResponseError);
    expect(() =>
      toGroupSnapshotResult({ group_snapshot_id: '', snapshots: [], creation_time: null, ready_to_use: true }, groupContext),
    ).toThrow('group_snapshot_id is empty');
  });
});
