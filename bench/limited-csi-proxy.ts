// A CSI backend with a concurrency limit, for the throttled-backend bench: a gRPC proxy in front of
// csi-driver-host-path that forwards every unary call of the official csi.proto byte for byte
// (identity (de)serializers), but answers Aborted, as real drivers do, to a snapshot create or
// delete when `maxInflight` of them are already in flight or another one on the same source
// volume is. Forwarded creates and deletes take `delayMs` longer (a slow backend); everything
// else (Probe, capabilities, ListSnapshots) passes untouched. It counts calls and Aborted answers
// per method, and the highest number of creates/deletes it ever had in flight.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { csiMethods } from '../test/world/csi-fault-proxy.js';

type Method = ReturnType<typeof csiMethods>[number];

const GATED = new Set(['CreateSnapshot', 'DeleteSnapshot', 'CreateVolumeGroupSnapshot', 'DeleteVolumeGroupSnapshot']);
const identity = (b: Buffer): Buffer => b;

export interface MethodCounts {
  calls: number;
  aborted: number;
  /** Forwarded calls the driver answered with an error. */
  failed: number;
}

export interface LimitedCsiProxyOptions {
  readonly csiProto: string;
  /** The real driver: `unix:///abs/driver.sock`. */
  readonly target: string;
  readonly socketPath: string;
  readonly maxInflight: number;
  readonly delayMs: number;
}

export class LimitedCsiProxy {
  readonly endpoint: string;
  readonly counts = new Map<string, MethodCounts>();
  maxInflightSeen = 0;
  #inflight = 0;
  readonly #busyVolumes = new Set<string>();
  /** snapshot id → source volume, learned from CreateSnapshot answers (DeleteSnapshot names only the id). */
  readonly #volumeOfSnapshot = new Map<string, string>();
  readonly #opts: LimitedCsiProxyOptions;
  readonly #upstream: grpc.Client;
  readonly #server = new grpc.Server();

  private constructor(opts: LimitedCsiProxyOptions) {
    this.#opts = opts;
    this.endpoint = `unix://${opts.socketPath}`;
    this.#upstream = new grpc.Client(opts.target, grpc.credentials.createInsecure());
  }

  static async start(opts: LimitedCsiProxyOptions): Promise<LimitedCsiProxy> {
    const p = new LimitedCsiProxy(opts);
    fs.rmSync(opts.socketPath, { force: true });
    const methods = csiMethods(opts.csiProto);
    for (const svc of new Set(methods.map((m) => m.service))) {
      const defs: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
      const impl: grpc.UntypedServiceImplementation = {};
      for (const m of methods.filter((x) => x.service === svc)) {
        defs[m.name] = { path: m.path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };
        impl[m.name] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
          void p.#handle(m, call, cb);
        };
      }
      p.#server.addService(defs, impl);
    }
    await new Promise<void>((resolve, reject) => {
      p.#server.bindAsync(p.endpoint, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
    });
    return p;
  }

  totals(): { readonly calls: number; readonly aborted: number; readonly failed: number } {
    let calls = 0;
    let aborted = 0;
    let failed = 0;
    for (const c of this.counts.values()) {
      calls += c.calls;
      aborted += c.aborted;
      failed += c.failed;
    }
    return { calls, aborted, failed };
  }

  resetCounts(): void {
    this.counts.clear();
    this.maxInflightSeen = 0;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.tryShutdown(() => resolve()));
    this.#upstream.close();
    fs.rmSync(this.#opts.socketPath, { force: true });
  }

  #count(name: string): MethodCounts {
    let c = this.counts.get(name);
    if (c === undefined) {
      c = { calls: 0, aborted: 0, failed: 0 };
      this.counts.set(name, c);
    }
    return c;
  }

  async #handle(m: Method, call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>): Promise<void> {
    const counts = this.#count(m.name);
    counts.calls++;
    if (!GATED.has(m.name)) {
      this.#forward(m, call, cb, counts);
      return;
    }
    const req = m.requestType.toObject(m.requestType.decode(call.request), { defaults: false }) as Record<string, unknown>;
    const volumes = this.#volumesOf(m.name, req);
    const busy = volumes.find((v) => this.#busyVolumes.has(v));
    if (this.#inflight >= this.#opts.maxInflight || busy !== undefined) {
      counts.aborted++;
      const details =
        busy !== undefined ? `an operation with the given Volume ID ${busy} already exists` : `too many operations in flight (${this.#opts.maxInflight}), try again later`;
      cb({ code: grpc.status.ABORTED, details }, null);
      return;
    }
    this.#inflight++;
    this.maxInflightSeen = Math.max(this.maxInflightSeen, this.#inflight);
    for (const v of volumes) this.#busyVolumes.add(v);
    const done = (): void => {
      this.#inflight--;
      for (const v of volumes) this.#busyVolumes.delete(v);
    };
    await sleep(this.#opts.delayMs);
    this.#forward(m, call, (err, res) => {
      done();
      if (err === null && res && m.name === 'CreateSnapshot') {
        const snap = (m.responseType.toObject(m.responseType.decode(res)) as { snapshot?: { snapshot_id?: string; source_volume_id?: string } }).snapshot;
        if (snap?.snapshot_id && snap.source_volume_id) this.#volumeOfSnapshot.set(snap.snapshot_id, snap.source_volume_id);
      }
      cb(err, res);
    }, counts);
  }

  #volumesOf(method: string, req: Record<string, unknown>): readonly string[] {
    switch (method) {
      case 'CreateSnapshot':
        return typeof req.source_volume_id === 'string' ? [req.source_volume_id] : [];
      case 'CreateVolumeGroupSnapshot':
        return Array.isArray(req.source_volume_ids) ? (req.source_volume_ids as string[]) : [];
      case 'DeleteSnapshot': {
        const v = typeof req.snapshot_id === 'string' ? this.#volumeOfSnapshot.get(req.snapshot_id) : undefined;
        return v === undefined ? [] : [v];
      }
      default:
        return [];
    }
  }

  #forward(m: Method, call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>, counts: MethodCounts): void {
    const deadline = call.getDeadline();
    this.#upstream.makeUnaryRequest(m.path, identity, identity, call.request, call.metadata, { deadline }, (err, res) => {
      if (err) {
        counts.failed++;
        cb(err, null);
      } else cb(null, res ?? Buffer.alloc(0));
    });
  }
}
