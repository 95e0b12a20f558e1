// Promise-returning, typed wrappers around each CSI RPC the sidecar uses, on the shared channel.
// Protobuf-shaped on purpose (requests and __Output responses from src/gen/): the start-up
// handshake and the Snapshotter build on it; the reconciler never sees it.

import type { Clock } from '../base/clock.js';
import type { ControllerGetCapabilitiesResponse__Output } from '../gen/csi/v1/ControllerGetCapabilitiesResponse.js';
import type { CreateSnapshotRequest } from '../gen/csi/v1/CreateSnapshotRequest.js';
import type { CreateSnapshotResponse__Output } from '../gen/csi/v1/CreateSnapshotResponse.js';
import type { CreateVolumeGroupSnapshotRequest } from '../gen/csi/v1/CreateVolumeGroupSnapshotRequest.js';
import type { CreateVolumeGroupSnapshotResponse__Output } from '../gen/csi/v1/CreateVolumeGroupSnapshotResponse.js';
import type { DeleteSnapshotRequest } from '../gen/csi/v1/DeleteSnapshotRequest.js';
import type { DeleteSnapshotResponse__Output } from '../gen/csi/v1/DeleteSnapshotResponse.js';
import type { DeleteVolumeGroupSnapshotRequest } from '../gen/csi/v1/DeleteVolumeGroupSnapshotRequest.js';
import type { DeleteVolumeGroupSnapshotResponse__Output } from '../gen/csi/v1/DeleteVolumeGroupSnapshotResponse.js';
import type { GetPluginInfoResponse__Output } from '../gen/csi/v1/GetPluginInfoResponse.js';
import type { GetSnapshotRequest } from '../gen/csi/v1/GetSnapshotRequest.js';
import type { GetSnapshotResponse__Output } from '../gen/csi/v1/GetSnapshotResponse.js';
import type { GetVolumeGroupSnapshotRequest } from '../gen/csi/v1/GetVolumeGroupSnapshotRequest.js';
import type { GetVolumeGroupSnapshotResponse__Output } from '../gen/csi/v1/GetVolumeGroupSnapshotResponse.js';
import type { GroupControllerGetCapabilitiesResponse__Output } from '../gen/csi/v1/GroupControllerGetCapabilitiesResponse.js';
import type { ListSnapshotsRequest } from '../gen/csi/v1/ListSnapshotsRequest.js';
import type { ListSnapshotsResponse__Output } from '../gen/csi/v1/ListSnapshotsResponse.js';
import type { ProbeResponse__Output } from '../gen/csi/v1/ProbeResponse.js';
import type { CsiConnection } from './connection.js';
import { unaryCall, type CallBudget, type UnaryStarter } from './unary-call.js';

export class CsiClient {
  private readonly connection: CsiConnection;
  private readonly clock: Clock;

  constructor(connection: CsiConnection, clock: Clock) {
    this.connection = connection;
    this.clock = clock;
  }

  /** Every RPC goes out the same way: one unary call within the caller's budget. */
  #call<Res>(start: UnaryStarter<Res>, budget: CallBudget): Promise<Res> {
    return unaryCall(start, budget, this.clock);
  }

  getPluginInfo(budget: CallBudget): Promise<GetPluginInfoResponse__Output> {
    return this.#call((o, cb) => this.connection.identity.GetPluginInfo({}, o, cb), budget);
  }

  probe(budget: CallBudget): Promise<ProbeResponse__Output> {
    return this.#call((o, cb) => this.connection.identity.Probe({}, o, cb), budget);
  }

  controllerGetCapabilities(budget: CallBudget): Promise<ControllerGetCapabilitiesResponse__Output> {
    return this.#call((o, cb) => this.connection.controller.ControllerGetCapabilities({}, o, cb), budget);
  }

  createSnapshot(request: CreateSnapshotRequest, budget: CallBudget): Promise<CreateSnapshotResponse__Output> {
    return this.#call((o, cb) => this.connection.controller.CreateSnapshot(request, o, cb), budget);
  }

  deleteSnapshot(request: DeleteSnapshotRequest, budget: CallBudget): Promise<DeleteSnapshotResponse__Output> {
    return this.#call((o, cb) => this.connection.controller.DeleteSnapshot(request, o, cb), budget);
  }

  listSnapshots(request: ListSnapshotsRequest, budget: CallBudget): Promise<ListSnapshotsResponse__Output> {
    return this.#call((o, cb) => this.connection.controller.ListSnapshots(request, o, cb), budget);
  }

  getSnapshot(request: GetSnapshotRequest, budget: CallBudget): Promise<GetSnapshotResponse__Output> {
    return this.#call((o, cb) => this.connection.controller.GetSnapshot(request, o, cb), budget);
  }

  groupControllerGetCapabilities(budget: CallBudget): Promise<GroupControllerGetCapabilitiesResponse__Output> {
    return this.#call((o, cb) => this.connection.groupController.GroupControllerGetCapabilities({}, o, cb), budget);
  }

  createVolumeGroupSnapshot(request: CreateVolumeGroupSnapshotRequest, budget: CallBudget): Promise<CreateVolumeGroupSnapshotResponse__Output> {
    return this.#call((o, cb) => this.connection.groupController.CreateVolumeGroupSnapshot(request, o, cb), budget);
  }

  deleteVolumeGroupSnapshot(request: DeleteVolumeGroupSnapshotRequest, budget: CallBudget): Promise<DeleteVolumeGroupSnapshotResponse__Output> {
    return this.#call((o, cb) => this.connection.groupController.DeleteVolumeGroupSnapshot(request, o, cb), budget);
  }

  getVolumeGroupSnapshot(request: GetVolumeGroupSnapshotRequest, budget: CallBudget): Promise<GetVolumeGroupSnapshotResponse__Output> {
    return this.#call((o, cb) => this.connection.groupController.GetVolumeGroupSnapshot(request, o, cb), budget);
  }
}
