// Creates snapshots on the CSI mock driver directly (CreateSnapshot over the official csi.proto),
// so the deletion workload starts from contents whose backend snapshots really exist, without
// involving either sidecar in the setup.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { BenchError } from './bench-error.js';

type Callback = (err: grpc.ServiceError | null, res?: { readonly snapshot: { readonly snapshot_id: string } }) => void;
type CreateSnapshot = (req: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: Callback) => grpc.ClientUnaryCall;

export class CsiSnapshotSeeder {
  private readonly client: grpc.Client;

  private constructor(client: grpc.Client) {
    this.client = client;
  }

  static open(opts: { readonly endpoint: string; readonly csiProto: string }): CsiSnapshotSeeder {
    const def = protoLoader.loadSync(opts.csiProto, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { readonly csi: { readonly v1: { readonly Controller: grpc.ServiceClientConstructor } } };
    return new CsiSnapshotSeeder(new pkg.csi.v1.Controller(opts.endpoint, grpc.credentials.createInsecure()));
  }

  /** CreateSnapshot(name, source) → snapshot_id. */
  createSnapshot(opts: { readonly name: string; readonly sourceVolumeId: string }, signal: AbortSignal): Promise<string> {
    const fn = (this.client as unknown as { readonly CreateSnapshot: CreateSnapshot }).CreateSnapshot.bind(this.client);
    return new Promise<string>((resolve, reject) => {
      signal.throwIfAborted();
      const onAbort = (): void => call.cancel();
      const call = fn({ name: opts.name, source_volume_id: opts.sourceVolumeId }, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (err, res) => {
        signal.removeEventListener('abort', onAbort);
        if (err || !res) reject(new BenchError('csi-failed', `CreateSnapshot ${opts.name}: ${err?.message ?? 'empty response'}`, { cause: err }));
        else resolve(res.snapshot.snapshot_id);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.client.close();
  }
}
