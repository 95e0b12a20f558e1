// A real gRPC CSI driver for tests: a grpc-js server on a unix socket in its own temp dir, loading
// the OFFICIAL csi.proto from the Go module cache (official-csi-proto.ts; never our own subset, so
// a mistake in ours cannot hide by being on both ends of the wire), whose every RPC can be scripted
// per test. RPCs it does not script (CreateVolume, ...) answer UNIMPLEMENTED. Without scripting it behaves as
// a sane snapshot driver (CREATE_DELETE_SNAPSHOT + LIST_SNAPSHOTS, in-memory snapshots,
// CreateSnapshot idempotent by name). Every call is logged (method + request) for assertions.
//
//   const driver = await ScriptedCsiDriver.start();          // listening when this resolves
//   driver.script({ Probe: () => ({ ready: { value: false } }) });
//   driver.script({ CreateSnapshot: () => { throw csiError(grpc.status.INTERNAL, 'boom'); } });
//   driver.script({ DeleteSnapshot: async (_req, { signal }) => { await sleep(2000, undefined, { signal }); return {}; } });
//   ... run code against driver.address ...
//   expect(driver.methods()).toEqual(['GetPluginInfo', 'CreateSnapshot']);
//   await driver.stop();                                      // always, e.g. in afterEach
//
// `ScriptedCsiDriver.create({ listenAfterMs })` returns before the socket exists (late start).

import type { Cleanup } from './cleanups.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadOfficialCsiPackage } from './official-csi-proto.js';
import type { ControllerGetCapabilitiesResponse } from '../../src/gen/csi/v1/ControllerGetCapabilitiesResponse.js';
import type { CreateSnapshotRequest__Output } from '../../src/gen/csi/v1/CreateSnapshotRequest.js';
import type { CreateSnapshotResponse } from '../../src/gen/csi/v1/CreateSnapshotResponse.js';
import type { CreateVolumeGroupSnapshotRequest__Output } from '../../src/gen/csi/v1/CreateVolumeGroupSnapshotRequest.js';
import type { CreateVolumeGroupSnapshotResponse } from '../../src/gen/csi/v1/CreateVolumeGroupSnapshotResponse.js';
import type { DeleteSnapshotRequest__Output } from '../../src/gen/csi/v1/DeleteSnapshotRequest.js';
import type { DeleteSnapshotResponse } from '../../src/gen/csi/v1/DeleteSnapshotResponse.js';
import type { DeleteVolumeGroupSnapshotRequest__Output } from '../../src/gen/csi/v1/DeleteVolumeGroupSnapshotRequest.js';
import type { DeleteVolumeGroupSnapshotResponse } from '../../src/gen/csi/v1/DeleteVolumeGroupSnapshotResponse.js';
import type { GetPluginCapabilitiesResponse } from '../../src/gen/csi/v1/GetPluginCapabilitiesResponse.js';
import type { GetPluginInfoResponse } from '../../src/gen/csi/v1/GetPluginInfoResponse.js';
import type { GetSnapshotRequest__Output } from '../../src/gen/csi/v1/GetSnapshotRequest.js';
import type { GetSnapshotResponse } from '../../src/gen/csi/v1/GetSnapshotResponse.js';
import type { GetVolumeGroupSnapshotRequest__Output } from '../../src/gen/csi/v1/GetVolumeGroupSnapshotRequest.js';
import type { GetVolumeGroupSnapshotResponse } from '../../src/gen/csi/v1/GetVolumeGroupSnapshotResponse.js';
import type { GroupControllerGetCapabilitiesResponse } from '../../src/gen/csi/v1/GroupControllerGetCapabilitiesResponse.js';
import type { ListSnapshotsRequest__Output } from '../../src/gen/csi/v1/ListSnapshotsRequest.js';
import type { ListSnapshotsResponse } from '../../src/gen/csi/v1/ListSnapshotsResponse.js';
import type { ProbeResponse } from '../../src/gen/csi/v1/ProbeResponse.js';
import type { Snapshot } from '../../src/gen/csi/v1/Snapshot.js';
import type { VolumeGroupSnapshot } from '../../src/gen/csi/v1/VolumeGroupSnapshot.js';

/** Per-call context: `signal` aborts when the client cancels or its deadline passes. */
export interface CallContext {
  readonly signal: AbortSignal;
  readonly metadata: grpc.Metadata;
}

type Handler<Req, Res> = (request: Req, context: CallContext) => Res | Promise<Res>;
type Empty = Record<string, never>;

/** Every scriptable RPC. Return the response, or throw csiError(...) to fail with a status. */
export interface CsiHandlers {
  GetPluginInfo: Handler<Empty, GetPluginInfoResponse>;
  GetPluginCapabilities: Handler<Empty, GetPluginCapabilitiesResponse>;
  Probe: Handler<Empty, ProbeResponse>;
  ControllerGetCapabilities: Handler<Empty, ControllerGetCapabilitiesResponse>;
  CreateSnapshot: Handler<CreateSnapshotRequest__Output, CreateSnapshotResponse>;
  DeleteSnapshot: Handler<DeleteSnapshotRequest__Output, DeleteSnapshotResponse>;
  ListSnapshots: Handler<ListSnapshotsRequest__Output, ListSnapshotsResponse>;
  GetSnapshot: Handler<GetSnapshotRequest__Output, GetSnapshotResponse>;
  GroupControllerGetCapabilities: Handler<Empty, GroupControllerGetCapabilitiesResponse>;
  CreateVolumeGroupSnapshot: Handler<CreateVolumeGroupSnapshotRequest__Output, CreateVolumeGroupSnapshotResponse>;
  DeleteVolumeGroupSnapshot: Handler<DeleteVolumeGroupSnapshotRequest__Output, DeleteVolumeGroupSnapshotResponse>;
  GetVolumeGroupSnapshot: Handler<GetVolumeGroupSnapshotRequest__Output, GetVolumeGroupSnapshotResponse>;
}

export type CsiMethodName = keyof CsiHandlers;

export interface RecordedCall {
  readonly method: CsiMethodName;
  /** The request as the server decoded it (same loader options as the sidecar). */
  readonly request: unknown;
}

/** Throw this from a handler to answer with a gRPC status. */
export class CsiStatusError extends Error {
  readonly code: grpc.status;
  readonly details: string;
  constructor(code: grpc.status, details: string) {
    super(details);
    this.code = code;
    this.details = details;
  }
}

export function csiError(code: grpc.status, details: string): CsiStatusError {
  return new CsiStatusError(code, details);
}

export interface ScriptedCsiDriverOptions {
  /** Reported by GetPluginInfo (default `scripted.csi.k8s.io`). */
  readonly driverName?: string;
  /** Controller RPC capabilities (default CREATE_DELETE_SNAPSHOT, LIST_SNAPSHOTS). */
  readonly controllerCapabilities?: readonly string[];
  /** Handlers replacing the defaults from the start. */
  readonly handlers?: Partial<CsiHandlers>;
  /** Bind the socket only after this many ms (tests of dialling a late driver). */
  readonly listenAfterMs?: number;
}

const SERVICES = {
  Identity: ['GetPluginInfo', 'GetPluginCapabilities', 'Probe'],
  Controller: ['ControllerGetCapabilities', 'CreateSnapshot', 'DeleteSnapshot', 'ListSnapshots', 'GetSnapshot'],
  GroupController: [
    'GroupControllerGetCapabilities',
    'CreateVolumeGroupSnapshot',
    'DeleteVolumeGroupSnapshot',
    'GetVolumeGroupSnapshot',
  ],
} as const satisfies Record<string, readonly CsiMethodName[]>;

export class ScriptedCsiDriver {
  /** Temp dir holding the socket; removed by stop(). */
  readonly dir: string;
  readonly socketPath: string;
  /** `unix:///…/csi.sock`, for --csi-address. */
  readonly address: string;
  /** Every call received, in order. */
  readonly calls: RecordedCall[] = [];
  /** The default driver's snapshots, by CSI name. */
  readonly snapshots = new Map<string, Snapshot>();
  readonly groupSnapshots = new Map<string, VolumeGroupSnapshot>();

  private readonly server = new grpc.Server();
  private handlers: CsiHandlers;
  private listenTimer: NodeJS.Timeout | undefined;
  private listening: Promise<void>;
  private nextId = 1;

  private constructor(options: ScriptedCsiDriverOptions) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csi-'));
    this.socketPath = path.join(this.dir, 'csi.sock');
    this.address = `unix://${this.socketPath}`;
    this.handlers = { ...this.defaultHandlers(options), ...options.handlers };
    const pkg = loadOfficialCsiPackage();
    for (const [service, methods] of Object.entries(SERVICES)) {
      const implementation: grpc.UntypedServiceImplementation = {};
      for (const method of methods) implementation[method] = this.serve(method);
      this.server.addService(pkg.csi.v1[service as keyof typeof SERVICES].service, implementation);
    }
    this.listening = new Promise((resolve, reject) => {
      const bind = (): void =>
        this.server.bindAsync(this.address, grpc.ServerCredentials.createInsecure(), (err) =>
          err ? reject(err) : resolve(),
        );
      if (options.listenAfterMs === undefined) bind();
      else this.listenTimer = setTimeout(bind, options.listenAfterMs);
    });
  }

  /** Starts a driver and resolves once its socket accepts connections. */
  static async start(options: ScriptedCsiDriverOptions = {}): Promise<ScriptedCsiDriver> {
    const driver = new ScriptedCsiDriver(options);
    await driver.listening;
    return driver;
  }

  /** Creates a driver without waiting for its socket (use with listenAfterMs). */
  static create(options: ScriptedCsiDriverOptions = {}): ScriptedCsiDriver {
    return new ScriptedCsiDriver(options);
  }

  whenListening(): Promise<void> {
    return this.listening;
  }

  /** Replaces some handlers; the others keep their current behaviour. */
  script(handlers: Partial<CsiHandlers>): void {
    this.handlers = { ...this.handlers, ...handlers };
  }

  /** Method names of all calls so far, in order. */
  methods(): CsiMethodName[] {
    return this.calls.map((call) => call.method);
  }

  /** Requests received by one method, in order. */
  requestsTo<M extends CsiMethodName>(method: M): Parameters<CsiHandlers[M]>[0][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.request as Parameters<CsiHandlers[M]>[0]);
  }

  /** Kills the server (open connections are dropped) and removes the socket dir. Idempotent. */
  async stop(): Promise<void> {
    clearTimeout(this.listenTimer);
    this.server.forceShutdown();
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }

  private serve(method: CsiMethodName): grpc.handleUnaryCall<unknown, unknown> {
    return (call, callback) => {
      this.calls.push({ method, request: call.request });
      const cancelled = new AbortController();
      call.on('cancelled', () => cancelled.abort(new Error('call cancelled by the client')));
      const handler = this.handlers[method] as Handler<unknown, unknown>;
      Promise.resolve()
        .then(() => handler(call.request, { signal: cancelled.signal, metadata: call.metadata }))
        .then(
          (response) => callback(null, response),
          (err: unknown) =>
            callback(
              err instanceof CsiStatusError
                ? { code: err.code, details: err.details }
                : { code: grpc.status.UNKNOWN, details: err instanceof Error ? err.message : String(err) },
            ),
        );
    };
  }

  private newId(prefix: string): string {
    return `${prefix}-${this.nextId++}`;
  }

  private defaultHandlers(options: ScriptedCsiDriverOptions): CsiHandlers {
    const rpcCaps = (types: readonly string[]): { rpc: { type: string } }[] => types.map((type) => ({ rpc: { type } }));
    const now = (): { seconds: number; nanos: number } => ({ seconds: Math.floor(Date.now() / 1000), nanos: 0 });
    const findById = (id: string): Snapshot | undefined =>
      [...this.snapshots.values()].find((snapshot) => snapshot.snapshot_id === id);
    const controllerCaps = options.controllerCapabilities ?? ['CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS'];
    return {
      GetPluginInfo: () => ({ name: options.driverName ?? 'scripted.csi.k8s.io', vendor_version: '1.0.0' }),
      GetPluginCapabilities: () => ({ capabilities: [{ service: { type: 'CONTROLLER_SERVICE' } }] }),
      Probe: () => ({ ready: { value: true } }),
      ControllerGetCapabilities: () => ({ capabilities: rpcCaps(controllerCaps) as ControllerGetCapabilitiesResponse['capabilities'] }),
      CreateSnapshot: (request) => {
        const existing = this.snapshots.get(request.name);
        if (existing && existing.source_volume_id !== request.source_volume_id) {
          throw csiError(grpc.status.ALREADY_EXISTS, `snapshot ${request.name} exists for another volume`);
        }
        const snapshot: Snapshot = existing ?? {
          snapshot_id: this.newId('snap'),
          source_volume_id: request.source_volume_id,
          size_bytes: '1073741824',
          creation_time: now(),
          ready_to_use: true,
        };
        this.snapshots.set(request.name, snapshot);
        return { snapshot };
      },
      DeleteSnapshot: (request) => {
        for (const [name, snapshot] of this.snapshots) {
          if (snapshot.snapshot_id === request.snapshot_id) this.snapshots.delete(name);
        }
        return {};
      },
      ListSnapshots: (request) => {
        const matching = request.snapshot_id === '' ? [...this.snapshots.values()] : [findById(request.snapshot_id)];
        return { entries: matching.filter((s) => s !== undefined).map((snapshot) => ({ snapshot })) };
      },
      GetSnapshot: (request) => {
        const snapshot = findById(request.snapshot_id);
        if (!snapshot) throw csiError(grpc.status.NOT_FOUND, `snapshot ${request.snapshot_id} not found`);
        return { snapshot };
      },
      GroupControllerGetCapabilities: () => ({ capabilities: [{ rpc: { type: 'CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT' } }] }),
      CreateVolumeGroupSnapshot: (request) => {
        const existing = this.groupSnapshots.get(request.name);
        if (existing) return { group_snapshot: existing };
        const groupId = this.newId('group');
        const group: VolumeGroupSnapshot = {
          group_snapshot_id: groupId,
          snapshots: request.source_volume_ids.map((volume) => ({
            snapshot_id: this.newId('snap'),
            source_volume_id: volume,
            size_bytes: '1073741824',
            creation_time: now(),
            ready_to_use: true,
            group_snapshot_id: groupId,
          })),
          creation_time: now(),
          ready_to_use: true,
        };
        this.groupSnapshots.set(request.name, group);
        return { group_snapshot: group };
      },
      DeleteVolumeGroupSnapshot: (request) => {
        for (const [name, group] of this.groupSnapshots) {
          if (group.group_snapshot_id === request.group_snapshot_id) this.groupSnapshots.delete(name);
        }
        return {};
      },
      GetVolumeGroupSnapshot: (request) => {
        const group = [...this.groupSnapshots.values()].find((g) => g.group_snapshot_id === request.group_snapshot_id);
        if (!group) throw csiError(grpc.status.NOT_FOUND, `group snapshot ${request.group_snapshot_id} not found`);
        return { group_snapshot: group };
      },
    };
  }
}

/** Starts a driver (listening when this resolves) that `cleanups` stops after the test. */
export async function startDriver(cleanups: Cleanup[], options: ScriptedCsiDriverOptions = {}): Promise<ScriptedCsiDriver> {
  const driver = await ScriptedCsiDriver.start(options);
  cleanups.push(() => driver.stop());
  return driver;
}
