// The Snapshotter port implemented with CSI RPCs, reproducing upstream's call sequences:
// GetPluginInfo before every create (result only logged), ControllerGetCapabilities before every
// status lookup, one shared deadline per operation (upstream-sidecar.md §2.2, §3.5, §3.8).

import type { Logger } from '../observability/logger.js';
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
  private readonly log: Logger;

  constructor(deps: { readonly client: CsiClient; readonly driverName: string; readonly log: Logger }) {
    this.client = deps.client;
    this.driverName = deps.driverName;
    this.log = deps.log;
  }

  private context(rpc: string): { driverName: string; rpc: string } {
    return { driverName: this.driverName, rpc };
  }

  /** Upstream calls GetPluginInfo before each create and only logs the name. */
  private async logPluginInfo(budget: CallBudget): Promise<void> {
    const info = await this.client.getPluginInfo(budget);
    this.log.v(5).info('CSI driver name', { driverName: info.name });
  }

  async createSnapshot(request: CreateSnapshotRequest, budget: CallBudget): Promise<SnapshotResult> {
    await this.logPluginInfo(budget);
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
    await this.logPluginInfo(budget);
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
