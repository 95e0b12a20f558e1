// The Snapshotter port implemented with CSI RPCs, following upstream's call sequences with one
// exception: upstream calls GetPluginInfo before every create only to log the name, which the
// start-up handshake already knows (a driver restart ends this process), so a create is one RPC.
// ControllerGetCapabilities before every status lookup, one shared deadline per operation
// (upstream-sidecar.md §2.2, §3.5, §3.8).

import { parseControllerCapabilities } from './capabilities.js';
import type { CsiClient } from './csi-client.js';
import { CsiRpcError } from './grpc-errors.js';
import { toGroupSnapshotResult, toSnapshotResult } from './snapshot-message.js';
import type {
  CallBudget,
  CreateGroupSnapshotRequest,
  CreateSnapshotRequest,
  GroupSnapshotIdRequest,
  GroupSnapshotResult,
  SnapshotIdRequest,
  SnapshotLookup,
  SnapshotResult,
  Snapshotter,
} from './snapshotter.js';

export class GrpcSnapshotter implements Snapshotter {
  private readonly client: CsiClient;
  private readonly driverName: string;

  constructor(deps: { readonly client: CsiClient; readonly driverName: string }) {
    this.client = deps.client;
    this.driverName = deps.driverName;
  }

  private context(rpc: string): { driverName: string; rpc: string } {
    return { driverName: this.driverName, rpc };
  }

  async createSnapshot(request: CreateSnapshotRequest, budget: CallBudget): Promise<SnapshotResult> {
    const response = await this.client.createSnapshot(
      {
        name: request.name,
        source_volume_id: request.sourceVolumeId,
        parameters: { ...request.parameters },
        secrets: { ...request.secrets },
      },
      budget,
    );
    return toSnapshotResult(response.snapshot, this.context('CreateSnapshot'));
  }

  async deleteSnapshot(request: SnapshotIdRequest, budget: CallBudget): Promise<void> {
    await this.client.deleteSnapshot({ snapshot_id: request.snapshotId, secrets: { ...request.secrets } }, budget);
  }

  async listSnapshot(request: SnapshotIdRequest, budget: CallBudget): Promise<SnapshotLookup> {
    const capabilities = parseControllerCapabilities(await this.client.controllerGetCapabilities(budget));
    if (!capabilities.listSnapshots) return { kind: 'unsupported' };
    const response = await this.client.listSnapshots(
      { snapshot_id: request.snapshotId, secrets: { ...request.secrets } },
      budget,
    );
    const entry = response.entries[0];
    if (entry === undefined) return { kind: 'not-found' };
    return { kind: 'found', snapshot: toSnapshotResult(entry.snapshot, this.context('ListSnapshots')) };
  }

  async getSnapshot(request: SnapshotIdRequest, budget: CallBudget): Promise<SnapshotLookup> {
    const capabilities = parseControllerCapabilities(await this.client.controllerGetCapabilities(budget));
    if (!capabilities.getSnapshot) return { kind: 'unsupported' };
    try {
      const response = await this.client.getSnapshot(
        { snapshot_id: request.snapshotId, secrets: { ...request.secrets } },
        budget,
      );
      return { kind: 'found', snapshot: toSnapshotResult(response.snapshot, this.context('GetSnapshot')) };
    } catch (err) {
      // The spec's answer for an unknown id is NOT_FOUND; ListSnapshots' is an empty list.
      if (err instanceof CsiRpcError && err.code === 'NotFound') return { kind: 'not-found' };
      throw err;
    }
  }

  async createVolumeGroupSnapshot(
    request: CreateGroupSnapshotRequest,
    budget: CallBudget,
  ): Promise<GroupSnapshotResult> {
    const response = await this.client.createVolumeGroupSnapshot(
      {
        name: request.name,
        source_volume_ids: [...request.sourceVolumeIds],
        parameters: { ...request.parameters },
        secrets: { ...request.secrets },
      },
      budget,
    );
    return toGroupSnapshotResult(response.group_snapshot, this.context('CreateVolumeGroupSnapshot'));
  }

  async deleteVolumeGroupSnapshot(request: GroupSnapshotIdRequest, budget: CallBudget): Promise<void> {
    await this.client.deleteVolumeGroupSnapshot(
      {
        group_snapshot_id: request.groupSnapshotId,
        snapshot_ids: [...request.snapshotIds],
        secrets: { ...request.secrets },
      },
      budget,
    );
  }

  async getVolumeGroupSnapshot(request: GroupSnapshotIdRequest, budget: CallBudget): Promise<GroupSnapshotResult> {
    const response = await this.client.getVolumeGroupSnapshot(
      {
        group_snapshot_id: request.groupSnapshotId,
        snapshot_ids: [...request.snapshotIds],
        secrets: { ...request.secrets },
      },
      budget,
    );
    return toGroupSnapshotResult(response.group_snapshot, this.context('GetVolumeGroupSnapshot'));
  }
}
