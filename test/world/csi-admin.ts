// A small CSI client for tests and the demo, over the OFFICIAL csi.proto from the Go module cache
// (its path comes from the build manifest). It talks to the world's CSI driver directly to set up
// volumes and to check the driver's side of a snapshot (its own ListSnapshots, GetSnapshot and
// GetVolumeGroupSnapshot), independently of the sidecar under test.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { WorldError } from './world-error.js';

export interface CsiVolume {
  readonly volume_id: string;
  readonly capacity_bytes: string;
}

export interface CsiSnapshot {
  readonly snapshot_id: string;
  readonly source_volume_id: string;
  readonly size_bytes: string;
  readonly ready_to_use: boolean;
  readonly creation_time: { readonly seconds: string; readonly nanos: number } | null;
  /** Set for a member of a group snapshot (hostpath refuses DeleteSnapshot of such a member). */
  readonly group_snapshot_id: string;
}

export interface CsiGroupSnapshot {
  readonly group_snapshot_id: string;
  readonly snapshots: readonly CsiSnapshot[];
  readonly ready_to_use: boolean;
}

export interface CsiPluginInfo {
  readonly name: string;
  readonly vendor_version: string;
}

type Callback = (err: grpc.ServiceError | null, res?: unknown) => void;
type UnaryMethod = (arg: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: Callback) => grpc.ClientUnaryCall;
type ServiceName = 'Identity' | 'Controller' | 'GroupController';

const definitions = new Map<string, grpc.GrpcObject>();

function csiPackage(csiProto: string): grpc.GrpcObject {
  let pkg = definitions.get(csiProto);
  if (pkg === undefined) {
    const def = protoLoader.loadSync(csiProto, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    pkg = grpc.loadPackageDefinition(def);
    definitions.set(csiProto, pkg);
  }
  return pkg;
}

function serviceConstructor(pkg: grpc.GrpcObject, service: ServiceName): grpc.ServiceClientConstructor {
  const csi = pkg['csi'] as grpc.GrpcObject | undefined;
  const v1 = csi?.['v1'] as grpc.GrpcObject | undefined;
  const ctor = v1?.[service];
  if (typeof ctor !== 'function') throw new WorldError('csi-call-failed', `csi.v1.${service} not found in csi.proto`);
  return ctor as grpc.ServiceClientConstructor;
}

export class CsiAdmin {
  readonly endpoint: string;
  private readonly clients: Readonly<Record<ServiceName, grpc.Client>>;

  private constructor(endpoint: string, clients: Readonly<Record<ServiceName, grpc.Client>>) {
    this.endpoint = endpoint;
    this.clients = clients;
  }

  /** `endpoint` is `unix:///abs/path.sock`; `csiProto` is the manifest's csiProto path. */
  static open(opts: { readonly endpoint: string; readonly csiProto: string }): CsiAdmin {
    const pkg = csiPackage(opts.csiProto);
    const creds = grpc.credentials.createInsecure();
    const make = (s: ServiceName): grpc.Client => new (serviceConstructor(pkg, s))(opts.endpoint, creds);
    return new CsiAdmin(opts.endpoint, { Identity: make('Identity'), Controller: make('Controller'), GroupController: make('GroupController') });
  }

  close(): void {
    for (const c of Object.values(this.clients)) c.close();
  }

  getPluginInfo(signal: AbortSignal): Promise<CsiPluginInfo> {
    return this.call<CsiPluginInfo>('Identity', 'GetPluginInfo', {}, signal);
  }

  /** Creates (idempotently, by name) a mount volume on the driver. */
  async createVolume(opts: { readonly name: string; readonly capacityBytes?: number }, signal: AbortSignal): Promise<CsiVolume> {
    const res = await this.call<{ readonly volume: CsiVolume }>(
      'Controller',
      'CreateVolume',
      {
        name: opts.name,
        capacity_range: { required_bytes: String(opts.capacityBytes ?? 1024 * 1024) },
        volume_capabilities: [{ mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } }],
      },
      signal,
    );
    return res.volume;
  }

  /** Every snapshot the driver holds (all pages), or only `snapshotId` when given. */
  async listSnapshots(
    opts: { readonly snapshotId?: string; readonly sourceVolumeId?: string },
    signal: AbortSignal,
  ): Promise<readonly CsiSnapshot[]> {
    const out: CsiSnapshot[] = [];
    let token = '';
    do {
      const res = await this.call<{ readonly entries: readonly { readonly snapshot: CsiSnapshot }[]; readonly next_token: string }>(
        'Controller',
        'ListSnapshots',
        { snapshot_id: opts.snapshotId ?? '', source_volume_id: opts.sourceVolumeId ?? '', starting_token: token },
        signal,
      );
      out.push(...res.entries.map((e) => e.snapshot));
      token = res.next_token;
    } while (token !== '');
    return out;
  }

  /** CreateSnapshot straight on the driver (idempotent by name), bypassing every sidecar. */
  async createSnapshot(opts: { readonly name: string; readonly sourceVolumeId: string }, signal: AbortSignal): Promise<CsiSnapshot> {
    const res = await this.call<{ readonly snapshot: CsiSnapshot }>(
      'Controller',
      'CreateSnapshot',
      { name: opts.name, source_volume_id: opts.sourceVolumeId },
      signal,
    );
    return res.snapshot;
  }

  /** The driver's view of one group snapshot (rejects with NOT_FOUND in the message when gone). */
  async getVolumeGroupSnapshot(groupSnapshotId: string, snapshotIds: readonly string[], signal: AbortSignal): Promise<CsiGroupSnapshot> {
    const res = await this.call<{ readonly group_snapshot: CsiGroupSnapshot }>(
      'GroupController',
      'GetVolumeGroupSnapshot',
      { group_snapshot_id: groupSnapshotId, snapshot_ids: [...snapshotIds] },
      signal,
    );
    return res.group_snapshot;
  }

  async deleteSnapshot(snapshotId: string, signal: AbortSignal): Promise<void> {
    await this.call<unknown>('Controller', 'DeleteSnapshot', { snapshot_id: snapshotId }, signal);
  }

  private call<T>(service: ServiceName, method: string, request: object, signal: AbortSignal, timeoutMs = 10_000): Promise<T> {
    const client = this.clients[service];
    const fn: unknown = (client as unknown as Readonly<Record<string, unknown>>)[method];
    if (typeof fn !== 'function') return Promise.reject(new WorldError('csi-call-failed', `no method ${service}.${method}`));
    const unary = (fn as UnaryMethod).bind(client);
    return new Promise<T>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => call.cancel();
      const call = unary(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        signal.removeEventListener('abort', onAbort);
        if (err) reject(new WorldError('csi-call-failed', `${service}.${method} on ${this.endpoint}: ${err.message}`, { cause: err }));
        else resolve(res as T);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * One-shot: the driver's own ListSnapshots (all pages) at `endpoint`, e.g. a world.json csi[] entry
 * with world.json's csiProto. For counting backend snapshots without trusting any of our objects.
 */
export async function listDriverSnapshots(
  opts: { readonly endpoint: string; readonly csiProto: string },
  signal: AbortSignal = AbortSignal.timeout(10_000),
): Promise<readonly CsiSnapshot[]> {
  const admin = CsiAdmin.open(opts);
  try {
    return await admin.listSnapshots({}, signal);
  } finally {
    admin.close();
  }
}
